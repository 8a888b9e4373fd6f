// Rules by destination (issue 22): `setRule`, `deleteRule` and `moveRule` of the `lanvpn` ubus
// object (getConfig answers the rules). Each is one config write under the config lock, all or
// nothing (system/change.ts); the rules are checked by core/config/rules.ts, through
// applyRuleEdit, and a problem names the field and the item's position, never its value.
import { applyRuleEdit, type RuleEdit } from '../core/config/patch'
import { MAX_RULE_DESTS } from '../core/config/rules'
import { changeConfig } from '../system/change'
import type { MethodTable, RpcContext } from './method'

const edit = (ctx: RpcContext, e: RuleEdit) =>
  changeConfig<{ id: string }>(ctx.host, ctx.paths, (loaded) => {
    const r = applyRuleEdit(loaded.doc, e, loaded.problems)
    return r.problems.length ? r : { doc: r.doc, also: { id: r.id } }
  })

const ID = { type: 'string', maxLength: 64, required: true } as const
// The request's 64 KB bound the lists; rules.ts the items and budgets.
const LIST = { type: 'array', maxItems: MAX_RULE_DESTS } as const
const TEXT = { type: 'string', maxLength: 64 } as const

/** The rpc table entries, for rpc/methods.ts: `...ruleMethods`. Answers: a saved change and the
 * rule's id (core/api/calls.ts RuleIdResult). */
export const ruleMethods = {
  setRule: {
    args: {
      id: { ...ID, required: false },
      label: TEXT,
      enabled: { type: 'boolean' },
      domains: LIST,
      dests: LIST,
      ports: LIST,
      via: TEXT,
      devices: LIST,
      groups: LIST,
    },
    call: (ctx, { id, ...fields }) => edit(ctx, { id: id as string | undefined, fields }),
  },
  deleteRule: {
    args: { id: ID },
    call: (ctx, a) => edit(ctx, { id: a.id as string, position: 0 }),
  },
  moveRule: {
    args: { id: ID, position: { type: 'int', required: true, min: 1, max: 999 } },
    call: (ctx, a) => edit(ctx, a as RuleEdit),
  },
} satisfies MethodTable

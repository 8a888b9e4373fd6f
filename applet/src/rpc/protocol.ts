// The rpcd exec-plugin protocol (openwrt-contracts §1): `list` prints the signature, `call <method>`
// reads one JSON object on stdin (no trailing newline, maybe with uhttpd's ubus_rpc_session) and
// prints exactly one JSON object on stdout. rpcd ignores the exit status and stderr, and maps any
// non-object output to INVALID_ARGUMENT, so every failure here is reported as an error object.
import { errorText } from '../core/errors'
import type { Host } from '../host/host'
import type { Paths } from '../core/paths'
import { typeSample, validateArgs } from './schema'
import type { MethodTable } from './method'
import type { RpcError } from '../core/api/calls'

/** uhttpd caps a /ubus POST body at 64 KiB; nothing legitimate is bigger. */
export const MAX_INPUT_BYTES = 65536

/** rpcd's `list` answer: method → { arg: type sample }. */
export function renderList(table: MethodTable): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, method] of Object.entries(table)) {
    out[name] = {}
    for (const [arg, spec] of Object.entries(method.args)) out[name][arg] = typeSample(spec)
  }
  return out
}

/** Bytes of a string in UTF-8, without TextEncoder (QuickJS has none). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

function err(code: RpcError['error']['code'], message: string): RpcError {
  return { error: { code, message } }
}

/** Runs one call: parse and validate the input, then the method. Never throws. */
export async function handleCall(
  table: MethodTable,
  ctx: { host: Host; paths: Paths },
  method: string,
  input: string
): Promise<object> {
  if (!Object.prototype.hasOwnProperty.call(table, method))
    return err('unknown_method', `unknown method ${JSON.stringify(method.slice(0, 64))}`)
  if (utf8Length(input) > MAX_INPUT_BYTES)
    return err('too_large', `input is larger than ${MAX_INPUT_BYTES} bytes`)
  let parsed: unknown
  try {
    parsed = input.trim() === '' ? {} : JSON.parse(input)
  } catch {
    return err('invalid_json', 'input is not valid JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return err('invalid_json', 'input must be a JSON object')
  const checked = validateArgs(table[method].args, parsed as Record<string, unknown>)
  if ('error' in checked) return checked
  try {
    return await table[method].call(ctx, checked.args)
  } catch (e) {
    const message = errorText(e)
    ctx.host.log('err', `rpc ${method}: ${message}`)
    return err('io_error', `${method} failed: ${message}`)
  }
}

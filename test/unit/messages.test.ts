import { describe, expect, it } from 'vitest'
import type { Status } from '../../applet/src/core/api/status'
import { parseConfig } from '../../applet/src/core/config/validate'
import { codeOf, SENTENCES, withSentenceCodes } from '../../applet/src/core/messages'
import { nameLookupFailure } from '../../applet/src/core/tunnel/setup-reason'

/** A sentence with each `{name}` filled in with `<name>`. */
const filled = (sentence: string) => sentence.replace(/\{(\w+)\}/g, '<$1>')

describe("the daemon's sentences by code", () => {
  it('finds every sentence again with its code and its parameters', () => {
    for (const [code, sentence] of Object.entries(SENTENCES)) {
      const names = [...sentence.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      const args = names.length ? Object.fromEntries(names.map((n) => [n, `<${n}>`])) : undefined
      expect(codeOf(filled(sentence))).toEqual(args ? { code, args } : { code })
    }
  })

  it('gives no code to other text, nor to a sentence with more around it', () => {
    expect(codeOf('something else went wrong')).toBeUndefined()
    expect(codeOf(`${SENTENCES.serverStopped}!`)).toBeUndefined()
  })

  it('knows the sentences the config check writes, with their values', () => {
    const { problems } = parseConfig(
      [
        "config globals 'globals'",
        "  option kill_switch 'sometimes'",
        "  option health_interval '1'",
        "  option ipv6 'maybe'",
        "  option lan_device 'a/b'",
        "  option health_target 'x'",
        '',
      ].join('\n')
    )
    expect(problems.map((p) => [p.option, codeOf(p.reason)])).toEqual([
      ['kill_switch', { code: 'oneOf', args: { values: 'always, auto' } }],
      ['ipv6', { code: 'bool' }],
      ['health_target', { code: 'ipAddressOrEmpty' }],
      ['health_interval', { code: 'wholeNumber', args: { min: '2', max: '60' } }],
      ['lan_device', { code: 'linuxName' }],
    ])
  })

  it("knows why a server's name could not be looked up", () => {
    const wg = (why: string) => `wg exited 1: ${why}: \`vpn.example.net:51820'`
    expect(codeOf(nameLookupFailure(wg('Temporary failure in name resolution')))).toEqual({
      code: 'nameNoAnswer',
    })
    expect(codeOf(nameLookupFailure(wg('Name does not resolve')))).toEqual({ code: 'nameUnknown' })
  })

  it('puts the codes beside the sentences in the status, in their order, and nothing else', () => {
    const status = {
      version: 1,
      generation: 1,
      updatedAt: 0,
      configHash: '',
      daemon: { state: 'running', pid: 1, startedAt: 0, runtime: 'qjs' },
      tunnel: { state: 'reconnecting', profile: 'ams', since: 1, reason: SENTENCES.wanDown },
      devices: { vpn: 0, direct: 0, mediastreamer: 0, blocked: 0 },
      problems: [{ section: 'globals', option: 'ipv6', reason: SENTENCES.bool, line: 4 }],
      apply: { ok: false, errors: ['applying nft-apply: nft exited 1: oops', 'out of memory'] },
      lan: {
        interfaces: [],
        problems: ['lan_direct: guest is not a network interface on the LAN side'],
      },
    } satisfies Status
    const coded = withSentenceCodes(status)
    expect(coded.tunnel.reasonCode).toEqual({ code: 'wanDown' })
    expect(coded.problems).toEqual([{ ...status.problems[0], code: 'bool' }])
    expect(coded.apply.errorCodes).toEqual([
      { code: 'applyStep', args: { step: 'nft-apply', detail: 'nft exited 1: oops' } },
      null,
    ])
    expect(coded.lan?.problemCodes).toEqual([
      { code: 'notLanSide', args: { option: 'lan_direct', name: 'guest' } },
    ])
    // The words stay as they were, for the CLI and for a UI that knows no code.
    expect({ ...coded.tunnel, reasonCode: undefined }).toEqual({
      ...status.tunnel,
      reasonCode: undefined,
    })
    expect(coded.apply.errors).toEqual(status.apply.errors)
    const quiet = { ...status, tunnel: { ...status.tunnel, reason: '' }, problems: [] }
    const none = withSentenceCodes({
      ...quiet,
      apply: { ok: true, errors: [] },
      lan: { interfaces: [], problems: [] },
    })
    expect(none).toEqual({ ...quiet, apply: { ok: true, errors: [] }, lan: quiet.lan && none.lan })
    expect(none.lan).toEqual({ interfaces: [], problems: [] })
  })
})

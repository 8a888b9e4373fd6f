// Generated hostile input across every rpc method (issue 8, Security): 10,000+ seeded calls
// through handleCall on a temporary prefix with the real Node host. Random JSON shapes, wrong
// types, huge strings, unicode, `$(…)`, quotes, newlines, UCI syntax, nft syntax and unknown
// keys. After every call: an object came back (never a throw), the config still parses with no
// problem it did not have before, and a rejected call left the config and the secrets as they were.
import { readFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'

const root = mkdtempSync(join(tmpdir(), 'lanvpn-fuzz-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const paths = resolvePaths(root)
const host = createNodeHost()
const fixture = (name: string) =>
  readFileSync(join(__dirname, '../fixtures/profiles', name), 'utf8')

const HOSTILE = [
  '$(reboot)',
  '`id`',
  "'; rm -rf / #",
  "x'\n\toption kill_switch 'off",
  "'\nconfig globals 'globals'\n\toption enabled '0",
  '}; flush ruleset; table inet x {',
  'a"b\'c\\d',
  'line1\nline2\r\n',
  '\u0000\u0007\u001b[31m',
  '🛡️中文кириллица',
  '../../../etc/shadow',
  '%s%n%x',
  '',
  ' ',
  'x'.repeat(70_000),
  'y'.repeat(65),
  '02:00:00:00:50:01',
  '02-00-00-00-50-02',
  '02:00:00:00:50:0g',
  'ff:ff:ff:ff:ff:ff',
  'vpn',
  'direct',
  'mediastreamer',
  'blocked',
  'auto',
  'wireguard',
  'openvpn',
  'ams',
  '10.64.0.1',
  'fd64::1',
  'https://provider.example/activate?ip={ip}&token={token}',
  'PostUp = iptables -F',
]
const MACS = ['02:00:00:00:50:01', '02:00:00:00:50:02', '02:00:00:00:50:03', 'AA-BB-CC-DD-EE-F0']
const KEYS = [
  'mac',
  'macs',
  'mode',
  'label',
  'kind',
  'id',
  'ids',
  'name',
  'text',
  'type',
  'username',
  'password',
  'globals',
  'mediastreamer',
  'ubus_rpc_session',
  '__proto__',
  'constructor',
  'unknown',
]
const OPTIONS = [
  'enabled',
  'kill_switch',
  'auto_connect',
  'default_mode',
  'ipv6',
  'router_via_vpn',
  'active_profile',
  'fallback',
  'connect',
  'health_target',
  'health_interval',
  'log_level',
  'lan_device',
  'method',
  'url',
  'server',
  'hostname',
  'username',
  'dns_server',
  'token',
  'password',
  'bogus',
]
const TEXTS = [fixture('mullvad-se-got.conf'), fixture('provider-hostile-crlf.ovpn')]

const str = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.constantFrom(...MACS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) }
)
const scalar = fc.oneof(
  str,
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, 1e308, NaN, true, false, null)
)
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...OPTIONS, ...KEYS), tie('v'), { maxKeys: 4 })
  ),
})).v
const options = fc.dictionary(
  fc.constantFrom(...OPTIONS),
  fc.oneof(scalar, fc.array(str, { maxLength: 3 })),
  {
    maxKeys: 4,
  }
)
/** Values for each argument name, nasty and plausible mixed. */
const perKey: Record<string, fc.Arbitrary<unknown>> = {
  mac: fc.oneof(fc.constantFrom(...MACS), str),
  macs: fc.array(fc.constantFrom(...MACS, ...HOSTILE.slice(0, 5)), { maxLength: 5 }),
  mode: fc.constantFrom('vpn', 'direct', 'mediastreamer', 'blocked', '$(x)', 'VPN'),
  label: str,
  kind: str,
  id: fc.constantFrom('ams', 'mullvad_se_got', 'office', '$(x)', '', 'a'.repeat(33)),
  ids: fc.array(fc.constantFrom('ams', 'mullvad_se_got', 'x', 1), { maxLength: 3 }),
  name: str,
  text: fc.oneof(str, fc.constantFrom(...TEXTS)),
  type: fc.constantFrom('auto', 'wireguard', 'openvpn', 'x'),
  username: str,
  password: str,
  globals: options,
  mediastreamer: options,
}
/** For one method: mostly its own argument names with nasty values (so calls get past the schema
 * and reach the code behind it), sometimes anything at all. */
function inputFor(method: string): fc.Arbitrary<string> {
  const own = Object.keys(methods[method as keyof typeof methods]?.args ?? {})
  const shaped = fc.record(
    {
      ...Object.fromEntries(own.map((k) => [k, perKey[k] ?? value])),
      ubus_rpc_session: fc.constant('00000000000000000000000000000000'),
    },
    { requiredKeys: [] }
  )
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((a) => JSON.stringify(a)) },
    {
      weight: 3,
      arbitrary: fc
        .dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 3 })
        .map((a) => JSON.stringify(a)),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"a":1}{', 'x'.repeat(70_000)),
    }
  )
}
const methodName = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...Object.keys(methods)) },
  { weight: 1, arbitrary: fc.constantFrom('', 'toString', '__proto__', 'hasOwnProperty', '$(x)') }
)
const call = methodName.chain((m) => fc.tuple(fc.constant(m), inputFor(m)))

function snapshot(): { config: string | null; secrets: string } {
  const names = (() => {
    try {
      return readdirSync(paths.secretsDir).sort()
    } catch {
      return []
    }
  })()
  return {
    config: host.readFile(paths.config),
    secrets: names.map((n) => `${n}=${readFileSync(join(paths.secretsDir, n), 'utf8')}`).join('\n'),
  }
}
const problemKeys = (text: string | null) =>
  new Set(
    text === null
      ? []
      : parseConfig(text).problems.map((p) => `${p.section}.${p.option}: ${p.reason}`)
  )

describe('rpc fuzz', () => {
  it('answers 10,000 hostile calls across all methods with an object, never a broken config', async () => {
    let calls = 0
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(call, async ([method, input]) => {
        const before = snapshot()
        const result = await handleCall(methods, { host, paths }, method, input)
        calls++
        expect(typeof result).toBe('object')
        expect(result).not.toBeNull()
        const after = snapshot()
        if ('error' in result) {
          expect(after, `${method} ${input.slice(0, 200)}`).toEqual(before)
        } else {
          accepted++
          const was = problemKeys(before.config)
          const added = [...problemKeys(after.config)].filter((p) => !was.has(p))
          expect(added, `${method} ${input.slice(0, 200)}`).toEqual([])
        }
        if (after.config !== null) {
          const parsed = parseConfig(after.config)
          expect(parsed.problems.filter((p) => p.section === '' && p.option === '')).toEqual([])
        }
      }),
      { numRuns: 10_000, seed: 20251122, endOnFailure: true }
    )
    expect(calls).toBeGreaterThanOrEqual(10_000)
    // Enough calls get through validation for the "no new problem" half to mean something.
    expect(accepted).toBeGreaterThan(1000)
  }, 120_000)
})

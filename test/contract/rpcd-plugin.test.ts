// The REAL rpcd exec plugin (dist/root/usr/libexec/rpcd/lanvpn, from `npm run build`) run exactly
// as rpcd runs it (openwrt-contracts §1; openwrt/rpcd plugin.c + exec.c):
//   list: argv [path, "list"], stdin and stderr /dev/null, stdout read up to the first JSON value
//   call: argv [path, "call", method], stdin = one compact JSON object without a trailing newline,
//         then closed; the reply is sent when BOTH stdout and stderr reach EOF; exit status ignored.
// The calls run under each runtime the plugin may find (LANVPN_RUNTIME): the native qjs, as on a
// router, and Node. Then the same plugin once more through the devrouter's /ubus (under the native
// qjs, the devrouter's default), as the web UI meets it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const REPO = join(__dirname, '..', '..')
const ROOT = join(REPO, 'dist/root')
const PLUGIN = join(ROOT, 'usr/libexec/rpcd/lanvpn')
const BUNDLE = join(ROOT, 'usr/share/lanvpn/lanvpn.js')
const SID = '0123456789abcdef0123456789abcdef'
const NULL_SID = '00000000000000000000000000000000'

interface Run {
  stdout: string
  ms: number
}

let prefix: string
/** LANVPN_RUNTIME for the calls: the command of the runtime under test. */
let runtime = ''

/** The runtimes the plugin's calls run under: LANVPN_RUNTIME's value for each (resolved when the
 * block runs, so a missing native qjs fails its block, loudly). */
const runtimes: Array<{ name: string; command: () => string }> = [
  { name: 'native qjs', command: () => qjsCommand().join(' ') },
  { name: 'node', command: () => process.execPath },
]

function defaultConfig(): string {
  const built = join(ROOT, 'etc/config/lanvpn')
  return existsSync(built) ? built : join(REPO, 'openwrt-package/files/etc/config/lanvpn')
}

/** Runs the plugin like rpcd: resolves when stdout and stderr are both at EOF (or fails at 20 s). */
function runPlugin(argv: string[], stdin: Buffer | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = spawn(PLUGIN, argv, {
      stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', argv[0] === 'list' ? 'ignore' : 'pipe'],
      env: {
        ...process.env,
        LANVPN_PREFIX: prefix,
        LANVPN_BUNDLE: BUNDLE,
        LANVPN_RUNTIME: runtime,
      },
    })
    let out = ''
    let open = argv[0] === 'list' ? 1 : 2
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`plugin ${argv.join(' ')} did not close stdout/stderr within 20 s`))
    }, 20000)
    const eof = () => {
      if (--open === 0) {
        clearTimeout(timer)
        resolve({ stdout: out, ms: Date.now() - t0 })
      }
    }
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (d) => (out += d))
    child.stdout!.on('end', eof)
    if (child.stderr) {
      child.stderr.resume()
      child.stderr.on('end', eof)
    }
    if (stdin !== null) {
      child.stdin!.on('error', () => {})
      child.stdin!.end(stdin)
    }
  })
}

/** rpcd's view of stdout: the first complete JSON value, nothing may precede it. */
function firstValue(stdout: string): unknown {
  const s = stdout.trimStart()
  // JSON.parse needs the exact extent: find the shortest prefix that parses as an object.
  for (let end = s.indexOf('}') + 1; end > 0; end = s.indexOf('}', end) + 1) {
    try {
      return JSON.parse(s.slice(0, end))
    } catch {}
  }
  throw new Error(
    `no complete JSON value at the start of stdout: ${JSON.stringify(stdout.slice(0, 200))}`
  )
}

function call(method: string, stdin: string | Buffer) {
  return runPlugin(['call', method], Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin))
}

function expectErrorObject(v: unknown) {
  expect(v).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } })
}

beforeAll(() => {
  prefix = mkdtempSync(join(tmpdir(), 'rpcd-plugin-test-'))
  mkdirSync(join(prefix, 'etc/config'), { recursive: true })
  copyFileSync(defaultConfig(), join(prefix, 'etc/config/lanvpn'))
})
afterAll(() => {
  rmSync(prefix, { recursive: true, force: true })
})

describe('the built plugin', () => {
  it('exists, is a regular file with the owner-execute bit and a #! line (rpcd stat()/execv())', () => {
    expect(existsSync(PLUGIN), 'run `npm run build` first').toBe(true)
    const st = statSync(PLUGIN)
    expect(st.isFile()).toBe(true)
    expect(st.mode & 0o100).toBe(0o100)
  })
})

describe.each(runtimes)('rpcd exec-plugin protocol, real plugin, under $name', ({ command }) => {
  beforeAll(() => {
    runtime = command()
  })
  it('list: one complete JSON object of method → {arg: type sample}, fast', async () => {
    const r = await runPlugin(['list'], null)
    const list = firstValue(r.stdout) as Record<string, unknown>
    expect(r.stdout.trim()).toBe(JSON.stringify(list)) // nothing but the one value
    expect(Object.keys(list)).toEqual(expect.arrayContaining(['status', 'getConfig', 'setConfig']))
    for (const [method, sig] of Object.entries(list)) {
      expect(sig, method).toBeTypeOf('object')
      expect(Array.isArray(sig), method).toBe(false)
    }
    expect(r.ms).toBeLessThan(2000)
  })
  it('call status with uhttpd’s stdin (compact, no newline, ubus_rpc_session) → an object', async () => {
    const r = await call('status', `{"ubus_rpc_session":"${SID}"}`)
    const v = firstValue(r.stdout)
    expect(v).toBeTypeOf('object')
    expect(Array.isArray(v)).toBe(false)
    expect(v).not.toHaveProperty('error')
  })
  it('call status with the ubus CLI’s stdin ({} without session) → an object', async () => {
    const v = firstValue((await call('status', '{}')).stdout)
    expect(v).not.toHaveProperty('error')
  })
  it('call getConfig accepts the extra ubus_rpc_session key', async () => {
    const v = firstValue((await call('getConfig', `{"ubus_rpc_session":"${SID}"}`)).stdout)
    expect(v).toBeTypeOf('object')
    expect(v).not.toHaveProperty('error')
  })
  it('garbage stdin → an error object (not a non-object, which rpcd would turn into status 2)', async () => {
    expectErrorObject(firstValue((await call('status', 'this is { not json')).stdout))
    expectErrorObject(firstValue((await call('getConfig', '[1,2,3]')).stdout))
  })
  it('unknown method → an error object', async () => {
    expectErrorObject(
      firstValue((await call('noSuchMethod', `{"ubus_rpc_session":"${SID}"}`)).stdout)
    )
  })
  it('70 KB of stdin → an error object, and the plugin still ends', async () => {
    const big = Buffer.from(`{"pad":"${'x'.repeat(70 * 1024)}","ubus_rpc_session":"${SID}"}`)
    const r = await call('setConfig', big)
    expectErrorObject(firstValue(r.stdout))
  })
  it('ends promptly: stdout and stderr both reach EOF (no background child holds them)', async () => {
    const r = await call('status', `{"ubus_rpc_session":"${SID}"}`)
    expect(r.ms).toBeLessThan(10000)
  })
})

describe('the real plugin behind the devrouter (/ubus as the web UI meets it)', () => {
  type DevRouter = { url: string; close(): Promise<void> }
  let dr: DevRouter
  let base: string
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'rpcd-plugin-dr-'))
    mkdirSync(join(base, 'etc/config'), { recursive: true })
    copyFileSync(defaultConfig(), join(base, 'etc/config/lanvpn'))
    const mod = await import(pathToFileURL(join(REPO, 'scripts/devrouter/server.mjs')).href)
    dr = await mod.startDevRouter({
      root: ROOT,
      prefix: base,
      env: { LANVPN_BUNDLE: BUNDLE },
      logins: [{ username: 'root', password: 'pw', read: ['*'], write: ['*'] }],
    })
  })
  afterAll(async () => {
    await dr?.close()
    rmSync(base, { recursive: true, force: true })
  })
  const rpc = async (body: unknown) =>
    (await fetch(dr.url + '/ubus', { method: 'POST', body: JSON.stringify(body) })).json()

  it('login, then status and getConfig answer [0, {...}]', async () => {
    const login = await rpc({
      jsonrpc: '2.0',
      id: 1,
      method: 'call',
      params: [NULL_SID, 'session', 'login', { username: 'root', password: 'pw' }],
    })
    const sid = login.result[1].ubus_rpc_session
    for (const method of ['status', 'getConfig']) {
      const r = await rpc({
        jsonrpc: '2.0',
        id: 2,
        method: 'call',
        params: [sid, 'lanvpn', method, {}],
      })
      expect(r.result[0], method).toBe(0)
      expect(r.result[1], method).toBeTypeOf('object')
      expect(r.result[1], method).not.toHaveProperty('error')
    }
  })
  it('list shows the plugin’s methods', async () => {
    const r = await rpc({ jsonrpc: '2.0', id: 1, method: 'list', params: ['lanvpn'] })
    expect(Object.keys(r.result.lanvpn)).toEqual(
      expect.arrayContaining(['status', 'getConfig', 'setConfig'])
    )
  })
  it('the web UI entry point is served as text/html', async () => {
    const res = await fetch(dr.url + '/lanvpn/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html')
  })
})

// The devrouter (scripts/devrouter/server.mjs) must behave like uhttpd + rpcd as
// docs/openwrt-contracts.md §1–§3 describe them (and as their sources do where the two disagree;
// see the header of server.mjs). These tests run it against a temporary router tree holding the
// package's real ACL file and a fake exec plugin (fixtures/fake-rpcd-plugin.sh) named `lanvpn`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  copyFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const REPO = join(__dirname, '..', '..')
const NULL_SID = '00000000000000000000000000000000'

interface DevRouter {
  url: string
  port: number
  close(): Promise<void>
}
interface Login {
  username: string
  password?: string
  read?: string[]
  write?: string[]
}
type Start = (opts: Record<string, unknown>) => Promise<DevRouter>

async function loadStart(): Promise<Start> {
  const mod = await import(pathToFileURL(join(REPO, 'scripts/devrouter/server.mjs')).href)
  return mod.startDevRouter as Start
}

const LOGINS: Login[] = [
  { username: 'root', password: 'secret', read: ['*'], write: ['*'] },
  { username: 'viewer', password: 'look', read: ['lanvpn'], write: [] },
]

/** A router tree: www with a small app, the real ACL file, the fake plugin as `lanvpn`. */
function makeTree(base: string) {
  const root = join(base, 'root')
  const prefix = join(base, 'prefix')
  const www = join(root, 'www/lanvpn')
  mkdirSync(join(www, 'assets'), { recursive: true })
  writeFileSync(
    join(www, 'index.html'),
    '<!doctype html><title>lanvpn</title><script src="assets/app-1a2b.js"></script>'
  )
  for (const f of [
    'app-1a2b.js',
    'app.mjs',
    'app-1a2b.js.map',
    'font.woff2',
    'mod.wasm',
    'style.css',
    'logo.svg',
    'logo.png',
    'data.json',
    'x.tar.gz',
  ])
    writeFileSync(join(www, 'assets', f), `/* ${f} */`)
  mkdirSync(join(www, 'i18n/ru'), { recursive: true })
  writeFileSync(join(www, 'i18n/ru/ru-1a2b.js'), '/* ru */')
  writeFileSync(join(root, 'www/secret.txt'), 'mode 600')
  chmodSync(join(root, 'www/secret.txt'), 0o600)
  mkdirSync(join(root, 'usr/share/rpcd/acl.d'), { recursive: true })
  copyFileSync(
    join(REPO, 'openwrt-package/files/usr/share/rpcd/acl.d/lanvpn.json'),
    join(root, 'usr/share/rpcd/acl.d/lanvpn.json')
  )
  mkdirSync(join(root, 'usr/libexec/rpcd'), { recursive: true })
  const plugin = join(root, 'usr/libexec/rpcd/lanvpn')
  copyFileSync(join(REPO, 'test/contract/fixtures/fake-rpcd-plugin.sh'), plugin)
  chmodSync(plugin, 0o755)
  mkdirSync(join(prefix, 'var/run/lanvpn'), { recursive: true })
  writeFileSync(
    join(prefix, 'var/run/lanvpn/status.json'),
    '{"generation":7,"state":"connected"}\n'
  )
  mkdirSync(join(prefix, 'etc'), { recursive: true })
  writeFileSync(join(prefix, 'etc/shadow'), 'root:$1$abc:19000:0:99999:7:::\n')
  return { root, prefix, plugin }
}

let base: string
let tree: ReturnType<typeof makeTree>
let dr: DevRouter
let start: Start

async function post(body: string, path = '/ubus', headers: Record<string, string> = {}) {
  const res = await fetch(dr.url + path, { method: 'POST', body, headers })
  return { status: res.status, headers: res.headers, text: await res.text() }
}
async function rpc(body: unknown) {
  const r = await post(JSON.stringify(body))
  expect(r.status).toBe(200)
  return JSON.parse(r.text)
}
function call(
  sid: string,
  object: string,
  method: string,
  args: Record<string, unknown> = {},
  id: unknown = 1
) {
  return rpc({ jsonrpc: '2.0', id, method: 'call', params: [sid, object, method, args] })
}
async function login(username: string, password: string, timeout?: number) {
  const args: Record<string, unknown> = { username, password }
  if (timeout !== undefined) args.timeout = timeout
  const r = await call(NULL_SID, 'session', 'login', args)
  expect(r.result[0]).toBe(0)
  return r.result[1]
}
/** A raw GET that keeps the path exactly as written (fetch would normalize `..`). */
function rawGet(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: dr.port, path, method: 'GET', headers },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (d) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        }
      )
      req.on('error', reject)
      req.end()
    }
  )
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  start = await loadStart()
  base = mkdtempSync(join(tmpdir(), 'devrouter-test-'))
  tree = makeTree(base)
  dr = await start({ root: tree.root, prefix: tree.prefix, logins: LOGINS, pluginTimeoutMs: 800 })
})
afterAll(async () => {
  await dr?.close()
  rmSync(base, { recursive: true, force: true })
})

describe('JSON-RPC error table (uhttpd ubus.c), all HTTP 200', () => {
  it('-32700 for a body that is not JSON, with id null', async () => {
    const r = await post('{"jsonrpc":"2.0",')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    })
  })
  it('-32700 for a top-level value that is neither object nor array', async () => {
    expect((await rpc('just a string')).error.code).toBe(-32700)
  })
  it('-32700 for a wrong or missing jsonrpc, keeping the id', async () => {
    const r = await rpc({
      jsonrpc: '1.0',
      id: 9,
      method: 'call',
      params: [NULL_SID, 'session', 'access', {}],
    })
    expect(r).toEqual({ jsonrpc: '2.0', id: 9, error: { code: -32700, message: 'Parse error' } })
    expect((await rpc({ id: 9, method: 'list' })).error.code).toBe(-32700)
  })
  it('-32700 for a missing or non-string JSON-RPC method', async () => {
    expect((await rpc({ jsonrpc: '2.0', id: 1 })).error.code).toBe(-32700)
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 5 })).error.code).toBe(-32700)
  })
  it('-32700 when params[3] is missing or not an object, or params is not an array', async () => {
    const base = { jsonrpc: '2.0', id: 1, method: 'call' }
    expect((await rpc({ ...base, params: [NULL_SID, 'session', 'access'] })).error.code).toBe(
      -32700
    )
    expect((await rpc({ ...base, params: [NULL_SID, 'session', 'access', []] })).error.code).toBe(
      -32700
    )
    expect((await rpc({ ...base, params: [NULL_SID, 'session', 'access', 'x'] })).error.code).toBe(
      -32700
    )
    expect((await rpc({ ...base, params: { sid: NULL_SID } })).error.code).toBe(-32700)
    expect((await rpc({ ...base, params: [5, 'session', 'access', {}] })).error.code).toBe(-32700)
  })
  it('-32700 and Connection: close for a body over 65536 bytes; exactly 65536 is accepted', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'list',
      pad: 'x'.repeat(70 * 1024),
    })
    const r = await post(big)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).error.code).toBe(-32700)
    expect(r.headers.get('connection')).toBe('close')
    const head = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'list', pad: '' })
    const exact = head.replace('"pad":""', `"pad":"${'y'.repeat(65536 - head.length)}"`)
    expect(Buffer.byteLength(exact)).toBe(65536)
    expect(Array.isArray(JSON.parse((await post(exact)).text).result)).toBe(true)
  })
  it('-32601 for a JSON-RPC method other than call/list', async () => {
    expect(await rpc({ jsonrpc: '2.0', id: 'x', method: 'exec', params: [] })).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32601, message: 'Method not found' },
    })
  })
  it('-32000 for an unknown object, checked before access (even for the null session)', async () => {
    expect((await call(NULL_SID, 'uci', 'get', { config: 'lanvpn' })).error).toEqual({
      code: -32000,
      message: 'Object not found',
    })
  })
  it('-32002 for access denied, and for an unknown session id', async () => {
    expect((await call(NULL_SID, 'lanvpn', 'status')).error).toEqual({
      code: -32002,
      message: 'Access denied',
    })
    expect((await call('0123456789abcdef0123456789abcdef', 'lanvpn', 'status')).error.code).toBe(
      -32002
    )
    expect(
      (await call('', 'session', 'login', { username: 'root', password: 'secret' })).error.code
    ).toBe(-32002)
  })
  it('-32602 when the args carry ubus_rpc_session (checked after access)', async () => {
    const s = await login('root', 'secret')
    const r = await call(s.ubus_rpc_session, 'lanvpn', 'status', {
      ubus_rpc_session: s.ubus_rpc_session,
    })
    expect(r.error).toEqual({ code: -32602, message: 'Invalid parameters' })
    expect((await call(NULL_SID, 'lanvpn', 'status', { ubus_rpc_session: 'x' })).error.code).toBe(
      -32002
    )
  })
  it('id is echoed whatever its JSON type, and null when absent', async () => {
    expect((await rpc({ jsonrpc: '2.0', id: { a: [1] }, method: 'nope' })).id).toEqual({ a: [1] })
    expect((await rpc({ jsonrpc: '2.0', method: 'nope' })).id).toBe(null)
  })
  it('GET /ubus is 404, OPTIONS /ubus is 200, PUT /ubus is 400', async () => {
    expect((await fetch(dr.url + '/ubus')).status).toBe(404)
    expect((await fetch(dr.url + '/ubus', { method: 'OPTIONS' })).status).toBe(200)
    expect((await fetch(dr.url + '/ubus', { method: 'PUT', body: '{}' })).status).toBe(400)
  })
  it('/ubus/ is the legacy endpoint too', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'list' }), '/ubus/')
    expect(JSON.parse(r.text).result).toContain('session')
  })
})

describe('session.login, access, destroy (rpcd session.c)', () => {
  it('login returns the session dump', async () => {
    const s = await login('root', 'secret')
    expect(s.ubus_rpc_session).toMatch(/^[0-9a-f]{32}$/)
    expect(s.timeout).toBe(300)
    expect(s.expires).toBeGreaterThanOrEqual(299)
    expect(s.expires).toBeLessThanOrEqual(300)
    expect(s.data).toEqual({ username: 'root' })
    expect(s.acls['access-group']).toMatchObject({
      lanvpn: ['read', 'write'],
      unauthenticated: ['read'],
    })
    expect(s.acls.ubus.lanvpn).toEqual(['status', 'get*', 'list*', 'explain*', '*'])
    expect(s.acls.file).toEqual({
      '/var/run/lanvpn/status.json': ['read'],
      '/www/lanvpn/i18n': ['list'],
    })
  })
  it('bad password or unknown user → [6]; missing password → [2]', async () => {
    expect(
      (await call(NULL_SID, 'session', 'login', { username: 'root', password: 'nope' })).result
    ).toEqual([6])
    expect(
      (await call(NULL_SID, 'session', 'login', { username: 'nobody', password: 'secret' })).result
    ).toEqual([6])
    expect((await call(NULL_SID, 'session', 'login', { username: 'root' })).result).toEqual([2])
  })
  it('timeout 0 never expires (expires 0); the timeout arg must be an int32 or the default applies', async () => {
    const s = await login('root', 'secret', 0)
    expect([s.timeout, s.expires]).toEqual([0, 0])
    const d = (
      await call(NULL_SID, 'session', 'login', {
        username: 'root',
        password: 'secret',
        timeout: '60',
      })
    ).result[1]
    expect(d.timeout).toBe(300)
  })
  it('expires after `timeout` seconds without use; every use renews it (sliding)', async () => {
    const s = await login('root', 'secret', 1)
    const sid = s.ubus_rpc_session
    await sleep(600)
    expect((await call(sid, 'lanvpn', 'status')).result[0]).toBe(0)
    await sleep(600)
    // 1.2 s after login, alive because the call at 0.6 s renewed it
    expect(
      (
        await call(sid, 'session', 'access', {
          scope: 'ubus',
          object: 'lanvpn',
          function: 'status',
        })
      ).result
    ).toEqual([0, { access: true }])
    await sleep(1150)
    expect((await call(sid, 'lanvpn', 'status')).error.code).toBe(-32002)
  })
  it('session.access with and without scope/object/function', async () => {
    const s = await login('viewer', 'look')
    const sid = s.ubus_rpc_session
    expect(
      (await call(sid, 'session', 'access', { object: 'lanvpn', function: 'getConfig' })).result[1]
    ).toEqual({ access: true })
    expect(
      (await call(sid, 'session', 'access', { object: 'lanvpn', function: 'setConfig' })).result[1]
    ).toEqual({ access: false })
    expect(
      (
        await call(sid, 'session', 'access', {
          scope: 'file',
          object: '/var/run/lanvpn/status.json',
          function: 'read',
        })
      ).result[1]
    ).toEqual({ access: true })
    const all = (await call(sid, 'session', 'access', {})).result[1]
    // `read ['lanvpn']` does not match the group `unauthenticated`
    expect(all['access-group']).toEqual({ lanvpn: ['read'] })
    expect(all.ubus.lanvpn).toEqual(['status', 'get*', 'list*', 'explain*'])
  })
  it('destroy ends the session: later calls are -32002', async () => {
    const sid = (await login('root', 'secret')).ubus_rpc_session
    expect((await call(sid, 'session', 'destroy')).result).toEqual([0])
    expect((await call(sid, 'lanvpn', 'status')).error.code).toBe(-32002)
  })
  it('the null session cannot destroy itself: no ACL grant, so -32002 (rpcd would say 6 if asked)', async () => {
    expect((await call(NULL_SID, 'session', 'destroy')).error.code).toBe(-32002)
  })
})

describe('ACLs (rpcd session.c, the package acl.d file)', () => {
  it('read-only login: status, getConfig and file.read of the status file work', async () => {
    const sid = (await login('viewer', 'look')).ubus_rpc_session
    expect((await call(sid, 'lanvpn', 'status')).result[0]).toBe(0)
    expect((await call(sid, 'lanvpn', 'getConfig')).result[0]).toBe(0)
    expect(
      (await call(sid, 'file', 'read', { path: '/var/run/lanvpn/status.json' })).result
    ).toEqual([0, { data: '{"generation":7,"state":"connected"}\n' }])
  })
  it('read-only login: file.list of the language catalogs (from the router tree) works, of / is [6]', async () => {
    const sid = (await login('viewer', 'look')).ubus_rpc_session
    const r = (await call(sid, 'file', 'list', { path: '/www/lanvpn/i18n' })).result
    expect(r[0]).toBe(0)
    expect(r[1].entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([
      ['ru', 'directory'],
    ])
    expect((await call(sid, 'file', 'list', { path: '/www/lanvpn' })).result).toEqual([6])
  })
  it('read-only login: setConfig is -32002 (uhttpd ubus check); file.read of /etc/shadow is [6] (rpcd file check)', async () => {
    const sid = (await login('viewer', 'look')).ubus_rpc_session
    expect((await call(sid, 'lanvpn', 'setConfig', { config: {} })).error.code).toBe(-32002)
    // uhttpd allows (ubus, file, read); rpcd-mod-file then denies (file, /etc/shadow, read) → status 6
    expect((await call(sid, 'file', 'read', { path: '/etc/shadow' })).result).toEqual([6])
    // rpcd canonicalizes before the ACL check: no way around it with ../
    expect(
      (await call(sid, 'file', 'read', { path: '/var/run/lanvpn/../../../etc/shadow' })).result
    ).toEqual([6])
    // file.stat is not in the package's ubus grants (uhttpd: -32002); were it granted, rpcd-mod-file
    // would still answer 6, since stat needs the `list` permission on the path, not `read`
    expect(
      (await call(sid, 'file', 'stat', { path: '/var/run/lanvpn/status.json' })).error.code
    ).toBe(-32002)
  })
  it('file.read: a missing allowed file is [4]; an empty one is [5] (rpcd reads 0 bytes → NO_DATA)', async () => {
    const sid = (await login('root', 'secret')).ubus_rpc_session
    const status = join(tree.prefix, 'var/run/lanvpn/status.json')
    renameSync(status, status + '.bak')
    try {
      expect(
        (await call(sid, 'file', 'read', { path: '/var/run/lanvpn/status.json' })).result
      ).toEqual([4])
      writeFileSync(status, '')
      expect(
        (await call(sid, 'file', 'read', { path: '/var/run/lanvpn/status.json' })).result
      ).toEqual([5])
    } finally {
      renameSync(status + '.bak', status)
    }
  })
  it('root: setConfig works; a method the plugin does not list is [3]', async () => {
    const sid = (await login('root', 'secret')).ubus_rpc_session
    expect((await call(sid, 'lanvpn', 'setConfig', { config: {} })).result).toEqual([
      0,
      { ok: true },
    ])
    expect((await call(sid, 'lanvpn', 'reboot')).result).toEqual([3])
  })
  it('the null session may only log in (and ask session.access)', async () => {
    expect(
      (await call(NULL_SID, 'session', 'access', { object: 'session', function: 'login' })).result
    ).toEqual([0, { access: true }])
    expect((await call(NULL_SID, 'lanvpn', 'getConfig')).error.code).toBe(-32002)
    expect(
      (await call(NULL_SID, 'file', 'read', { path: '/var/run/lanvpn/status.json' })).error.code
    ).toBe(-32002)
  })
  it('login globs: `!` negation wins; write implies read', async () => {
    const base2 = mkdtempSync(join(tmpdir(), 'devrouter-acl-'))
    const t2 = makeTree(base2)
    const dr2 = await start({
      root: t2.root,
      prefix: t2.prefix,
      logins: [
        { username: 'neg', password: 'p', read: ['*', '!lan*'], write: [] },
        { username: 'wo', password: 'p', read: [], write: ['lanvpn'] },
        { username: 'opt', password: 'p', read: 'lanvpn' as unknown as string[] },
      ],
    })
    try {
      const c = async (u: string) => {
        const r = await fetch(dr2.url + '/ubus', {
          method: 'POST',
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'call',
            params: [NULL_SID, 'session', 'login', { username: u, password: 'p' }],
          }),
        })
        return (await r.json()).result[1].acls
      }
      expect((await c('neg'))['access-group']).toEqual({ unauthenticated: ['read'] })
      expect((await c('wo'))['access-group']).toEqual({ lanvpn: ['read', 'write'] })
      expect(await c('opt')).toEqual({}) // a plain string is not a UCI list: ignored
    } finally {
      await dr2.close()
      rmSync(base2, { recursive: true, force: true })
    }
  })
})

describe('list (no ACL check)', () => {
  it('without params: the object names', async () => {
    const r = await rpc({ jsonrpc: '2.0', id: 1, method: 'list' })
    expect(r.result).toEqual(['file', 'lanvpn', 'session'])
  })
  it('with params: signatures with uhttpd type names from the plugin type samples', async () => {
    const r = await rpc({ jsonrpc: '2.0', id: 1, method: 'list', params: ['lanvpn', 'nosuch'] })
    expect(Object.keys(r.result)).toEqual(['lanvpn'])
    expect(r.result.lanvpn.status).toEqual({})
    expect(r.result.lanvpn.setConfig).toEqual({
      config: 'object',
      dry_run: 'boolean',
      port: 'number',
      small: 'boolean',
      mid: 'unknown',
      wide: 'unknown',
      ratio: 'unknown',
      name: 'string',
      ips: 'array',
    })
    const s = await rpc({ jsonrpc: '2.0', id: 1, method: 'list', params: ['sess*'] })
    expect(s.result.session.login).toEqual({
      username: 'string',
      password: 'string',
      timeout: 'number',
    })
  })
  it('REST GET /ubus/list/<obj> gives the methods; an unknown object is HTTP 500 with status 4', async () => {
    const r = await fetch(dr.url + '/ubus/list/lanvpn')
    expect((await r.json()).getConfig).toEqual({})
    const bad = await fetch(dr.url + '/ubus/list/nosuch')
    expect(bad.status).toBe(500)
    expect(await bad.json()).toEqual({ code: 4, message: 'Not found' })
  })
})

describe('REST-style endpoint (uhttpd since 2020)', () => {
  it('POST /ubus/call/<obj> with a Bearer session: result object, or error {code: ubus status}', async () => {
    const sid = (await login('root', 'secret')).ubus_rpc_session
    const headers = { Authorization: `Bearer ${sid}` }
    const ok = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }),
      '/ubus/call/lanvpn',
      headers
    )
    expect(JSON.parse(ok.text).result).toMatchObject({ state: 'connected' })
    const empty = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'empty', params: {} }),
      '/ubus/call/lanvpn',
      headers
    )
    expect(JSON.parse(empty.text)).toEqual({ jsonrpc: '2.0', id: 2, result: null })
    const bad = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'garbage', params: {} }),
      '/ubus/call/lanvpn',
      headers
    )
    expect(JSON.parse(bad.text).error).toEqual({ code: 2, message: 'Invalid argument' })
    const anon = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'status', params: {} }),
      '/ubus/call/lanvpn'
    )
    expect(JSON.parse(anon.text).error.code).toBe(-32002)
  })
})

describe('batch', () => {
  it('an array of requests gets an array of replies in order, each with its own result or error', async () => {
    const s = await login('root', 'secret')
    const r = await rpc([
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'call',
        params: [s.ubus_rpc_session, 'lanvpn', 'status', {}],
      },
      { jsonrpc: '2.0', id: 2, method: 'bogus' },
      42,
      { jsonrpc: '2.0', id: 4, method: 'call', params: [NULL_SID, 'lanvpn', 'status', {}] },
      { jsonrpc: '2.0', id: 5, method: 'list' },
    ])
    expect(r.map((x: { id: unknown }) => x.id)).toEqual([1, 2, null, 4, 5])
    expect(r[0].result[0]).toBe(0)
    expect(r[1].error.code).toBe(-32601)
    expect(r[2].error.code).toBe(-32700)
    expect(r[3].error.code).toBe(-32002)
    expect(r[4].result).toContain('lanvpn')
  })
  it('an empty batch is []', async () => {
    expect(await rpc([])).toEqual([])
  })
})

describe('exec plugin protocol (rpcd plugin.c / exec.c)', () => {
  let sid: string
  beforeAll(async () => {
    sid = (await login('root', 'secret')).ubus_rpc_session
  })
  const calls = (name: string) => join(tree.prefix, 'calls', name)

  it('argv is [path, call, method]; stdin is one compact JSON object, no newline, with ubus_rpc_session last', async () => {
    const r = await call(sid, 'lanvpn', 'setConfig', {
      config: { url: 'https://x/y', n: 5, f: 1.5, ok: true, none: null },
    })
    expect(r.result).toEqual([0, { ok: true }])
    expect(readFileSync(calls('setConfig.argv'), 'utf8')).toBe(`${tree.plugin}\ncall\nsetConfig\n`)
    const stdin = readFileSync(calls('setConfig.stdin'), 'utf8')
    // blobmsg_format_json: compact, "/" escaped, doubles printed with %lf
    expect(stdin).toBe(
      `{"config":{"url":"https:\\/\\/x\\/y","n":5,"f":1.500000,"ok":true,"none":null},"ubus_rpc_session":"${sid}"}`
    )
    expect(stdin.endsWith('\n')).toBe(false)
  })
  it('the plugin gets LANVPN_PREFIX', async () => {
    expect((await call(sid, 'lanvpn', 'status')).result).toEqual([
      0,
      { state: 'connected', prefix: tree.prefix },
    ])
  })
  it('the plugin runs under the native qjs (LANVPN_RUNTIME) unless told otherwise', async () => {
    const base5 = mkdtempSync(join(tmpdir(), 'devrouter-runtime-'))
    const t5 = makeTree(base5)
    writeFileSync(
      t5.plugin,
      '#!/bin/sh\n[ "$1" = list ] && { echo \'{"runtime":{}}\'; exit 0; }\n' +
        'printf \'{"runtime":"%s"}\' "$LANVPN_RUNTIME"\n'
    )
    const inherited = process.env.LANVPN_RUNTIME
    delete process.env.LANVPN_RUNTIME
    const runtimeOf = async (env: Record<string, string>) => {
      const dr5 = await start({ root: t5.root, prefix: t5.prefix, logins: LOGINS, env })
      try {
        const post5 = async (body: unknown) =>
          (await fetch(dr5.url + '/ubus', { method: 'POST', body: JSON.stringify(body) })).json()
        const login5 = await post5({
          jsonrpc: '2.0',
          id: 1,
          method: 'call',
          params: [NULL_SID, 'session', 'login', { username: 'root', password: 'secret' }],
        })
        const r = await post5({
          jsonrpc: '2.0',
          id: 2,
          method: 'call',
          params: [login5.result[1].ubus_rpc_session, 'lanvpn', 'runtime', {}],
        })
        return r.result[1].runtime
      } finally {
        await dr5.close()
      }
    }
    try {
      expect(await runtimeOf({})).toBe(qjsCommand().join(' '))
      expect(await runtimeOf({ LANVPN_RUNTIME: 'node' })).toBe('node')
    } finally {
      if (inherited !== undefined) process.env.LANVPN_RUNTIME = inherited
      rmSync(base5, { recursive: true, force: true })
    }
  })
  it('the reply goes back through blobmsg (round trip of the echo)', async () => {
    const r = await call(sid, 'lanvpn', 'echo', { s: 'a/b "q"', big: 4294967296, neg: -1 })
    expect(r.result).toEqual([0, { s: 'a/b "q"', big: 4294967296, neg: -1, ubus_rpc_session: sid }])
  })
  it.each([
    ['garbage', [2]],
    ['nothing', [5]],
    ['array', [2]],
    ['logfirst', [2]],
    ['nullout', [5]],
    ['empty', [0]],
  ])('%s → %j', async (method, expected) => {
    expect((await call(sid, 'lanvpn', method)).result).toEqual(expected)
  })
  it('only the first JSON value counts; the exit status and stderr are ignored', async () => {
    expect((await call(sid, 'lanvpn', 'trailing')).result).toEqual([0, { first: 1 }])
    expect((await call(sid, 'lanvpn', 'exit3')).result).toEqual([0, { exit: 3 }])
    expect((await call(sid, 'lanvpn', 'stderrnoise')).result).toEqual([0, { quiet: true }])
  })
  it('a background child holding stdout makes the call hang until rpcd’s timeout: SIGKILL, result [7]', async () => {
    const t0 = Date.now()
    expect((await call(sid, 'lanvpn', 'hang')).result).toEqual([7])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(750)
  })
  it('a plugin file that vanished → [4]', async () => {
    renameSync(tree.plugin, tree.plugin + '.away')
    try {
      expect((await call(sid, 'lanvpn', 'status')).result).toEqual([4])
    } finally {
      renameSync(tree.plugin + '.away', tree.plugin)
    }
  })
  it('uhttpd answers -32003 itself when rpcd does not reply within script_timeout', async () => {
    const base3 = mkdtempSync(join(tmpdir(), 'devrouter-to-'))
    const t3 = makeTree(base3)
    const dr3 = await start({
      root: t3.root,
      prefix: t3.prefix,
      logins: LOGINS,
      pluginTimeoutMs: 5000,
      scriptTimeoutMs: 300,
    })
    try {
      const post3 = async (body: unknown) =>
        (await fetch(dr3.url + '/ubus', { method: 'POST', body: JSON.stringify(body) })).json()
      const s = (
        await post3({
          jsonrpc: '2.0',
          id: 1,
          method: 'call',
          params: [NULL_SID, 'session', 'login', { username: 'root', password: 'secret' }],
        })
      ).result[1]
      const r = await post3({
        jsonrpc: '2.0',
        id: 7,
        method: 'call',
        params: [s.ubus_rpc_session, 'lanvpn', 'slow', {}],
      })
      expect(r).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32003, message: 'ubus request timed out' },
      })
    } finally {
      await dr3.close()
      rmSync(base3, { recursive: true, force: true })
    }
  })
  it('a plugin whose `list` prints nothing makes start fail (rpcd would hang at boot)', async () => {
    const base4 = mkdtempSync(join(tmpdir(), 'devrouter-list-'))
    const t4 = makeTree(base4)
    writeFileSync(t4.plugin, '#!/bin/sh\n[ "$1" = list ] && exit 0\necho "{}"\n')
    try {
      await expect(start({ root: t4.root, prefix: t4.prefix, logins: LOGINS })).rejects.toThrow(
        /block forever/
      )
    } finally {
      rmSync(base4, { recursive: true, force: true })
    }
  })
})

describe('static files like uhttpd', () => {
  it('/lanvpn/ serves index.html; /lanvpn redirects to /lanvpn/', async () => {
    const r = await fetch(dr.url + '/lanvpn/')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/html')
    expect(await r.text()).toContain('<title>lanvpn</title>')
    const redir = await rawGet('/lanvpn')
    expect(redir.status).toBe(302)
    expect(redir.headers.location).toBe('/lanvpn/')
  })
  it.each([
    ['app-1a2b.js', 'text/javascript'],
    ['app.mjs', 'application/octet-stream'],
    ['app-1a2b.js.map', 'application/octet-stream'],
    ['font.woff2', 'application/octet-stream'],
    ['mod.wasm', 'application/octet-stream'],
    ['data.json', 'application/octet-stream'],
    ['style.css', 'text/css'],
    ['logo.svg', 'image/svg+xml'],
    ['logo.png', 'image/png'],
    ['x.tar.gz', 'application/x-compressed-tar'],
  ])('%s is served as %s', async (file, mime) => {
    const r = await fetch(dr.url + '/lanvpn/assets/' + file)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe(mime)
    expect(r.headers.get('content-encoding')).toBe(null)
  })
  it('no SPA fallback: unknown paths are 404', async () => {
    expect((await fetch(dr.url + '/lanvpn/devices/laptop')).status).toBe(404)
    expect((await fetch(dr.url + '/lanvpn/assets/nope.js')).status).toBe(404)
  })
  it('ETag and Last-Modified; If-None-Match gives 304', async () => {
    const r = await fetch(dr.url + '/lanvpn/assets/app-1a2b.js')
    const etag = r.headers.get('etag')
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/)
    expect(r.headers.get('last-modified')).toMatch(/GMT$/)
    const again = await rawGet('/lanvpn/assets/app-1a2b.js', { 'If-None-Match': etag as string })
    expect(again.status).toBe(304)
  })
  it('path traversal is refused (404), raw or percent-encoded', async () => {
    expect((await rawGet('/../usr/share/rpcd/acl.d/lanvpn.json')).status).toBe(404)
    expect((await rawGet('/lanvpn/../../usr/libexec/rpcd/lanvpn')).status).toBe(404)
    expect((await rawGet('/lanvpn/%2e%2e/%2e%2e/usr/libexec/rpcd/lanvpn')).status).toBe(404)
    expect((await rawGet('/lanvpn/%zz')).status).toBe(404)
  })
  it('a file not readable by others is 403', async () => {
    expect((await rawGet('/secret.txt')).status).toBe(403)
  })
})

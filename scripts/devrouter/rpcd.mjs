// rpcd as lanvpn meets it: the `session` object (login, ACLs, sliding expiry), the `file` object
// (rpcd-mod-file: read/stat/list/md5 with ACL checks), and exec plugins from
// <root>/usr/libexec/rpcd/. See server.mjs for the list of deliberate differences.
//
// Sources: openwrt/rpcd session.c, plugin.c, exec.c, file.c; openwrt/libubox blobmsg_json.c.

import { spawn } from 'node:child_process'
import { randomBytes, createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { array, bool, formatBlob, parseFirst, str, table, typedField, u32 } from './blobjson.mjs'
import { fnmatch } from './fnmatch.mjs'

export const NULL_SID = '00000000000000000000000000000000'
export const DEFAULT_SESSION_TIMEOUT = 300

// ubus status codes (openwrt/ubus ubusmsg.h) and ubus_strerror() texts.
export const S = {
  OK: 0,
  INVALID_COMMAND: 1,
  INVALID_ARGUMENT: 2,
  METHOD_NOT_FOUND: 3,
  NOT_FOUND: 4,
  NO_DATA: 5,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
  NOT_SUPPORTED: 8,
  UNKNOWN_ERROR: 9,
  CONNECTION_FAILED: 10,
}
export const STATUS_TEXT = [
  'Success',
  'Invalid command',
  'Invalid argument',
  'Method not found',
  'Not found',
  'No response',
  'Permission denied',
  'Request timed out',
  'Operation not supported',
  'Unknown error',
  'Connection failed',
  'Out of memory',
  'Parsing message data failed',
  'System error',
]

// rpcd's own unauthenticated.json (installed by the rpcd package itself).
const UNAUTHENTICATED_ACL = {
  unauthenticated: {
    description: 'Access controls for unauthenticated requests',
    read: { ubus: { session: ['access', 'login'] } },
  },
}

/** Type names uhttpd prints for a signature's blobmsg type (ubus.c uh_ubus_list_cb). */
export function listTypeName(type) {
  switch (type) {
    case 'bool': // BLOBMSG_TYPE_BOOL == BLOBMSG_TYPE_INT8
    case 'int8':
      return 'boolean'
    case 'int32':
      return 'number'
    case 'string':
      return 'string'
    case 'array':
      return 'array'
    case 'table':
      return 'object'
    default:
      return 'unknown'
  }
}

/** rpc_plugin_parse_signature(): a `list` type sample → blobmsg type. */
function sampleType(node) {
  if (node.t === 'int32') {
    if (node.v === 8) return 'int8'
    if (node.v === 16) return 'int16'
    if (node.v === 64) return 'int64'
    return 'int32'
  }
  if (node.t === 'null') return 'unspec'
  return node.t // string, bool, int64, double, table, array
}

/** (timeout * 1000) in C int arithmetic, as rpc_touch_session() computes it. */
function timeoutMs(timeout) {
  return (timeout * 1000) | 0
}

/** rpc_canonicalize_path() of rpcd file.c (also uhttpd's canonpath()). Null for ''. */
export function canonicalizePath(path) {
  if (path == null || path === '') return null
  let out = ''
  let p = 0
  while (p < path.length) {
    if (path[p] === '/') {
      if (path[p + 1] === '/') {
        p++
        continue
      }
      if (path[p + 1] === '.') {
        if (p + 2 >= path.length || path[p + 2] === '/') {
          p += 2
          continue
        }
        if (path[p + 2] === '.' && (p + 3 >= path.length || path[p + 3] === '/')) {
          const cut = out.lastIndexOf('/')
          out = cut > 0 ? out.slice(0, cut) : ''
          p += 3
          continue
        }
      }
    }
    out += path[p++]
  }
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1)
  else if (out === '') out = '/'
  return out
}

function errnoStatus(err) {
  switch (err && err.code) {
    case 'EACCES':
      return S.PERMISSION_DENIED
    case 'ENOTDIR':
    case 'EINVAL':
      return S.INVALID_ARGUMENT
    case 'ENOENT':
      return S.NOT_FOUND
    default:
      return S.UNKNOWN_ERROR
  }
}

const D_TYPES = (st) =>
  st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'directory'
      : st.isCharacterDevice()
        ? 'char'
        : st.isBlockDevice()
          ? 'block'
          : st.isFIFO()
            ? 'fifo'
            : st.isSymbolicLink()
              ? 'symlink'
              : st.isSocket()
                ? 'socket'
                : 'unknown'

function statEntries(st) {
  return [
    ['type', str(D_TYPES(st))],
    ['size', u32(st.size)],
    ['mode', u32(st.mode)],
    ['atime', u32(Math.floor(st.atimeMs / 1000))],
    ['mtime', u32(Math.floor(st.mtimeMs / 1000))],
    ['ctime', u32(Math.floor(st.ctimeMs / 1000))],
    ['inode', u32(st.ino)],
    ['uid', u32(st.uid)],
    ['gid', u32(st.gid)],
  ]
}

/**
 * Creates the emulated rpcd. `logins`: [{ username, password, read: [globs], write: [globs] }].
 * Call `await rpcd.start()` before use (runs every exec plugin's `list`).
 */
export function createRpcd({
  root,
  prefix,
  logins = [],
  pluginTimeoutMs = 30000,
  sessionTimeoutDefault = DEFAULT_SESSION_TIMEOUT,
  env = {},
  warn = (msg) => process.stderr.write(`devrouter: ${msg}\n`),
}) {
  const aclDir = join(root, 'usr/share/rpcd/acl.d')
  const pluginDir = join(root, 'usr/libexec/rpcd')
  const childEnv = { ...process.env, ...(prefix ? { LANVPN_PREFIX: prefix } : {}), ...env }
  const sessions = new Map()
  const objects = new Map()
  const running = new Set()

  // ---- sessions ------------------------------------------------------------------------------

  function newSession(id, timeout) {
    return { id, timeout, expiresAt: null, acls: new Map(), data: [] }
  }

  function touch(ses) {
    if (ses.timeout > 0) ses.expiresAt = Date.now() + timeoutMs(ses.timeout)
  }

  /** rpc_session_get(): finds a live session and restarts its timer (sliding renewal). */
  function getSession(id) {
    const ses = sessions.get(id)
    if (!ses) return null
    if (ses.expiresAt !== null && Date.now() >= ses.expiresAt) {
      sessions.delete(id) // the uloop timer would have destroyed it already
      return null
    }
    touch(ses)
    return ses
  }

  function sweep() {
    const now = Date.now()
    for (const [id, ses] of sessions)
      if (ses.expiresAt !== null && now >= ses.expiresAt) sessions.delete(id)
  }

  const aclKey = (object) => {
    const m = /[*?[]/.exec(object)
    return m ? object.slice(0, m.index) : object
  }

  /** rpc_session_grant(): ACLs per scope, kept in AVL order (key = object up to its first wildcard). */
  function grant(ses, scope, object, fn) {
    let list = ses.acls.get(scope)
    if (!list) ses.acls.set(scope, (list = []))
    if (list.some((a) => a.object === object && a.function === fn)) return
    const key = aclKey(object)
    let at = list.length
    while (at > 0 && list[at - 1].key > key) at--
    list.splice(at, 0, { key, object, function: fn })
  }

  function aclAllowed(ses, scope, object, fn) {
    const list = ses.acls.get(scope)
    if (!list) return false
    return list.some(
      (a) =>
        fnmatch(a.object, object, { noescape: true }) && fnmatch(a.function, fn, { noescape: true })
    )
  }

  function dumpAcls(ses) {
    const scopes = [...ses.acls.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return table(
      scopes.map((scope) => {
        const groups = []
        for (const a of ses.acls.get(scope)) {
          const last = groups[groups.length - 1]
          if (last && last[0] === a.object) last[1].v.push(str(a.function))
          else groups.push([a.object, array([str(a.function)])])
        }
        return [scope, table(groups)]
      })
    )
  }

  function sessionDump(ses) {
    const remaining = ses.expiresAt === null ? 0 : Math.trunc((ses.expiresAt - Date.now()) / 1000)
    return table([
      ['ubus_rpc_session', str(ses.id)],
      ['timeout', u32(ses.timeout)],
      ['expires', u32(remaining)],
      ['acls', dumpAcls(ses)],
      ['data', table(ses.data)],
    ])
  }

  /** rpc_login_test_permission() */
  function testPermission(login, perm, group) {
    if (!login) return group === 'unauthenticated'
    const list = login[perm]
    // Only a UCI `list` counts; an `option read '*'` (a plain string here) is ignored by rpcd.
    if (Array.isArray(list)) {
      for (const entry of list) {
        if (typeof entry !== 'string' || entry[0] !== '!') continue
        const p = entry.slice(1).replace(/^\s+/, '')
        if (!p) continue
        if (fnmatch(p, group)) return false
      }
      for (const entry of list) {
        if (typeof entry !== 'string' || !entry || entry[0] === '!') continue
        if (fnmatch(entry, group)) return true
      }
    }
    if (perm === 'read') return testPermission(login, 'write', group)
    return false
  }

  function aclFiles() {
    const files = []
    let names = []
    try {
      names = readdirSync(aclDir)
    } catch {}
    for (const name of names) {
      if (name.startsWith('.') || !name.endsWith('.json')) continue
      files.push({ name, read: () => readFileSync(join(aclDir, name), 'utf8') })
    }
    if (!names.includes('unauthenticated.json'))
      files.push({ name: 'unauthenticated.json', read: () => JSON.stringify(UNAUTHENTICATED_ACL) })
    return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** rpc_login_setup_acls(): all acl.d/*.json, read now (rpcd reads them at every login). */
  function setupAcls(ses, login) {
    for (const file of aclFiles()) {
      let parsed
      try {
        parsed = parseFirst(file.read())
      } catch {
        parsed = { state: 'error' }
      }
      if (parsed.state !== 'done' || parsed.node.t !== 'table') {
        warn(`Failed to parse ${join(aclDir, file.name)} (rpcd skips this file)`)
        continue
      }
      for (const [group, groupNode] of parsed.node.v) {
        if (groupNode.t !== 'table') continue
        for (const [perm, permNode] of groupNode.v) {
          if (permNode.t !== 'table') continue
          if (perm !== 'read' && perm !== 'write') continue
          if (!testPermission(login, perm, group)) continue
          for (const [scope, scopeNode] of permNode.v) {
            if (scopeNode.t === 'table') {
              for (const [object, objNode] of scopeNode.v) {
                if (objNode.t !== 'array') continue
                for (const fn of objNode.v) if (fn.t === 'string') grant(ses, scope, object, fn.v)
              }
            } else if (scopeNode.t === 'array') {
              for (const object of scopeNode.v)
                if (object.t === 'string') grant(ses, scope, object.v, perm)
            }
            grant(ses, 'access-group', group, perm)
          }
        }
      }
    }
  }

  /** rpc_session_access(): what uhttpd (via session.access) and rpcd-mod-file ask. */
  function sessionAccess(sid, scope, object, fn) {
    const ses = getSession(sid)
    if (!ses) return false
    return aclAllowed(ses, scope, object, fn)
  }

  function passwordOk(expected, given) {
    // rpcd: an unset/empty hash accepts any password. Here `password` is plain text.
    if (expected === undefined || expected === null || expected === '') return true
    return expected === given
  }

  const sessionMethods = {
    login: [
      ['username', 'string'],
      ['password', 'string'],
      ['timeout', 'int32'],
    ],
    create: [['timeout', 'int32']],
    list: [['ubus_rpc_session', 'string']],
    grant: [
      ['ubus_rpc_session', 'string'],
      ['scope', 'string'],
      ['objects', 'array'],
    ],
    revoke: [
      ['ubus_rpc_session', 'string'],
      ['scope', 'string'],
      ['objects', 'array'],
    ],
    access: [
      ['ubus_rpc_session', 'string'],
      ['scope', 'string'],
      ['object', 'string'],
      ['function', 'string'],
    ],
    set: [
      ['ubus_rpc_session', 'string'],
      ['values', 'table'],
    ],
    get: [
      ['ubus_rpc_session', 'string'],
      ['keys', 'array'],
    ],
    unset: [
      ['ubus_rpc_session', 'string'],
      ['keys', 'array'],
    ],
    destroy: [['ubus_rpc_session', 'string']],
  }

  async function callSession(method, args) {
    sweep()
    if (method === 'login') {
      const user = typedField(args, 'username', 'string')
      const pass = typedField(args, 'password', 'string')
      if (!user || !pass) return { status: S.INVALID_ARGUMENT }
      const login = logins.find((l) => l.username === user.v && passwordOk(l.password, pass.v))
      if (!login) return { status: S.PERMISSION_DENIED }
      const t = typedField(args, 'timeout', 'int32')
      const ses = newSession(randomBytes(16).toString('hex'), t ? t.v : sessionTimeoutDefault)
      sessions.set(ses.id, ses)
      touch(ses)
      setupAcls(ses, login)
      ses.data = [['username', str(user.v)]]
      return { status: S.OK, reply: sessionDump(ses) }
    }
    if (method === 'access') {
      const sid = typedField(args, 'ubus_rpc_session', 'string')
      if (!sid) return { status: S.INVALID_ARGUMENT }
      const ses = getSession(sid.v)
      if (!ses) return { status: S.NOT_FOUND }
      const object = typedField(args, 'object', 'string')
      const fn = typedField(args, 'function', 'string')
      if (object && fn) {
        const scope = typedField(args, 'scope', 'string')
        return {
          status: S.OK,
          reply: table([
            ['access', bool(aclAllowed(ses, scope ? scope.v : 'ubus', object.v, fn.v))],
          ]),
        }
      }
      return { status: S.OK, reply: dumpAcls(ses) }
    }
    if (method === 'destroy') {
      const sid = typedField(args, 'ubus_rpc_session', 'string')
      if (!sid) return { status: S.INVALID_ARGUMENT }
      if (sid.v === NULL_SID) return { status: S.PERMISSION_DENIED }
      const ses = getSession(sid.v)
      if (!ses) return { status: S.NOT_FOUND }
      sessions.delete(ses.id)
      return { status: S.OK }
    }
    // create/list/grant/revoke/set/get/unset: not emulated (no lanvpn ACL grants them).
    return { status: S.NOT_SUPPORTED }
  }

  // ---- file (rpcd-mod-file) ---------------------------------------------------------------------

  const fileMethods = {
    read: [
      ['path', 'string'],
      ['base64', 'bool'],
      ['ubus_rpc_session', 'string'],
    ],
    write: [
      ['path', 'string'],
      ['data', 'string'],
      ['append', 'bool'],
      ['mode', 'int32'],
      ['base64', 'bool'],
      ['ubus_rpc_session', 'string'],
    ],
    list: [
      ['path', 'string'],
      ['ubus_rpc_session', 'string'],
    ],
    stat: [
      ['path', 'string'],
      ['ubus_rpc_session', 'string'],
    ],
    md5: [
      ['path', 'string'],
      ['ubus_rpc_session', 'string'],
    ],
    remove: [
      ['path', 'string'],
      ['ubus_rpc_session', 'string'],
    ],
    exec: [
      ['command', 'string'],
      ['params', 'array'],
      ['env', 'table'],
      ['ubus_rpc_session', 'string'],
    ],
  }

  /** Router path → host path (the only reason file.* differs from rpcd): the prefix holds what
   * lanvpn writes, the router tree what the packages install (server.mjs, difference 4). */
  const hostPath = (canon) => {
    if (!prefix) return canon
    const mine = join(prefix, canon)
    return existsSync(mine) || !existsSync(join(root, canon)) ? mine : join(root, canon)
  }

  /** __rpc_check_path(): path present, canonicalized, ACL-checked, then stat()ed if asked. */
  function checkPath(args, perm, wantStat) {
    const p = typedField(args, 'path', 'string')
    if (!p) return { status: S.INVALID_ARGUMENT }
    const canon = canonicalizePath(p.v)
    if (canon === null) return { status: S.UNKNOWN_ERROR } // ENOMEM in rpcd
    const sid = typedField(args, 'ubus_rpc_session', 'string')
    if (sid && !sessionAccess(sid.v, 'file', canon, perm)) return { status: S.PERMISSION_DENIED }
    let st
    if (wantStat) {
      try {
        st = statSync(hostPath(canon))
      } catch (e) {
        return { status: errnoStatus(e) }
      }
    }
    return { canon, st }
  }

  const RPC_FILE_MAX_SIZE = 4096 * 64
  const RPC_FILE_MIN_SIZE = 128

  async function callFile(method, args) {
    if (method === 'read') {
      const c = checkPath(args, 'read', true)
      if (c.status !== undefined) return c
      if (c.st.size >= RPC_FILE_MAX_SIZE) return { status: S.NOT_SUPPORTED }
      let fd
      try {
        fd = openSync(hostPath(c.canon), 'r')
      } catch (e) {
        return { status: errnoStatus(e) }
      }
      try {
        const size = c.st.size === 0 ? RPC_FILE_MIN_SIZE : c.st.size
        const buf = Buffer.alloc(size)
        let len
        try {
          len = readSync(fd, buf, 0, size, null)
        } catch {
          len = -1 // EISDIR and friends
        }
        if (len <= 0) return { status: S.NO_DATA }
        const b64 = typedField(args, 'base64', 'bool')
        const data =
          b64 && b64.v
            ? buf.subarray(0, len).toString('base64')
            : buf.subarray(0, len).toString('utf8')
        return { status: S.OK, reply: table([['data', str(data)]]) }
      } finally {
        closeSync(fd)
      }
    }
    if (method === 'stat') {
      const c = checkPath(args, 'list', true)
      if (c.status !== undefined) return c
      return { status: S.OK, reply: table([['path', str(c.canon)], ...statEntries(c.st)]) }
    }
    if (method === 'list') {
      const c = checkPath(args, 'list', false)
      if (c.status !== undefined) return c
      let names
      try {
        names = readdirSync(hostPath(c.canon))
      } catch (e) {
        return { status: errnoStatus(e) }
      }
      const entries = []
      for (const name of names) {
        try {
          const st = statSync(join(hostPath(c.canon), name))
          entries.push(table([['name', str(name)], ...statEntries(st)]))
        } catch {}
      }
      return { status: S.OK, reply: table([['entries', array(entries)]]) }
    }
    if (method === 'md5') {
      const c = checkPath(args, 'read', true)
      if (c.status !== undefined) return c
      if (!c.st.isFile()) return { status: S.NOT_SUPPORTED }
      let data
      try {
        data = readFileSync(hostPath(c.canon))
      } catch (e) {
        return { status: errnoStatus(e) }
      }
      return {
        status: S.OK,
        reply: table([['md5', str(createHash('md5').update(data).digest('hex'))]]),
      }
    }
    if (method === 'write' || method === 'remove') {
      const c = checkPath(args, 'write', false)
      if (c.status !== undefined) return c
      return { status: S.NOT_SUPPORTED } // not emulated
    }
    if (method === 'exec') {
      const cmd = typedField(args, 'command', 'string')
      if (!cmd) return { status: S.INVALID_ARGUMENT }
      const sid = typedField(args, 'ubus_rpc_session', 'string')
      const canon = canonicalizePath(cmd.v)
      if (sid && !sessionAccess(sid.v, 'file', canon, 'exec'))
        return { status: S.PERMISSION_DENIED }
      return { status: S.NOT_SUPPORTED } // not emulated
    }
    return { status: S.METHOD_NOT_FOUND }
  }

  // ---- exec plugins ----------------------------------------------------------------------------

  /** What execv() would say about `path`: null if it can run, else a reason. */
  function execvProblem(path, st) {
    if ((st.mode & 0o111) === 0) return { code: 'EACCES', why: 'no execute bit' }
    let head = Buffer.alloc(0)
    try {
      const fd = openSync(path, 'r')
      try {
        head = Buffer.alloc(4)
        head = head.subarray(0, readSync(fd, head, 0, 4, 0))
      } finally {
        closeSync(fd)
      }
    } catch (e) {
      return { code: e.code, why: e.message }
    }
    if (head.subarray(0, 2).toString('latin1') === '#!') return null
    if (head.toString('latin1') === '\x7fELF') return null
    // Node's spawn (execvp) would fall back to /bin/sh here; rpcd's execv() fails with ENOEXEC.
    return { code: 'ENOEXEC', why: 'no #! line and not an ELF binary' }
  }

  function runList(path, name) {
    return new Promise((resolve, reject) => {
      const st = statSync(path)
      const problem = execvProblem(path, st)
      if (problem)
        return reject(
          new Error(
            `${path} cannot be exec'd (${problem.why}): rpcd would block forever reading its 'list' output`
          )
        )
      const child = spawn(path, ['list'], { stdio: ['ignore', 'pipe', 'ignore'], env: childEnv })
      running.add(child)
      const chunks = []
      let settled = false
      const fail = (msg) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        child.kill('SIGKILL')
        reject(new Error(`${path} list: ${msg}`))
      }
      const timer = setTimeout(
        () =>
          fail(
            'no complete JSON value within 10 s (rpcd reads `list` with no timeout: the router would hang at boot)'
          ),
        10000
      )
      child.on('error', (e) => fail(`cannot run: ${e.message}`))
      child.stdout.on('data', (d) => {
        if (settled) return
        chunks.push(d)
        const r = parseFirst(Buffer.concat(chunks).toString('utf8'))
        if (r.state === 'continue') return
        if (r.state === 'done' && r.node.t === 'null') return // json-c: no object yet, rpcd reads on
        settled = true
        child.stdout.destroy()
        // rpcd now closes the pipe and waitpid()s: a `list` that keeps running blocks rpcd.
        const wait = setTimeout(() => {
          child.kill('SIGKILL')
          reject(
            new Error(
              `${path} list: still running 10 s after printing its JSON (rpcd waitpid()s for it)`
            )
          )
        }, 10000)
        const finish = () => {
          clearTimeout(wait)
          clearTimeout(timer)
          running.delete(child)
          resolve(r)
        }
        if (child.exitCode !== null || child.signalCode !== null) finish()
        else child.on('exit', finish)
      })
      child.stdout.on('end', () =>
        fail(
          chunks.length
            ? 'output ended before one complete JSON value (rpcd would block forever at boot)'
            : 'printed nothing (rpcd would block forever at boot)'
        )
      )
    })
  }

  async function registerPlugins() {
    let names = []
    try {
      names = readdirSync(pluginDir).sort()
    } catch {
      return
    }
    for (const name of names) {
      const path = join(pluginDir, name)
      let st
      try {
        st = statSync(path)
      } catch {
        continue
      }
      if (!st.isFile() || !(st.mode & 0o100)) continue
      const r = await runList(path, name)
      if (r.state === 'error') {
        warn(`${path} list: invalid JSON; rpcd registers no object '${name}'`)
        continue
      }
      if (r.node.t !== 'table' || r.node.v.length === 0) {
        warn(`${path} list: not a non-empty JSON object; rpcd registers no object '${name}'`)
        continue
      }
      if (objects.has(name)) {
        warn(`object '${name}' already exists; ubus refuses ${path}`)
        continue
      }
      const methods = new Map()
      for (const [method, sig] of r.node.v) {
        if (sig.t !== 'table') continue
        methods.set(
          method,
          sig.v.map(([arg, sample]) => [arg, sampleType(sample)])
        )
      }
      objects.set(name, {
        name,
        kind: 'plugin',
        methods,
        call: (method, args) => callPlugin(path, method, args),
      })
    }
  }

  const PIPE_CAPACITY = 65536

  function callPlugin(path, method, args) {
    let st
    try {
      st = statSync(path)
      if (!st.isFile()) throw new Error('not a regular file')
    } catch {
      return Promise.resolve({ status: S.NOT_FOUND }) // rpc_exec_lookup() fails
    }
    const problem = execvProblem(path, st)
    if (problem) {
      warn(
        `${path}: execv() would fail (${problem.why}); the status a router returns here is [inferred]`
      )
      return Promise.resolve({
        status: problem.code === 'EACCES' ? S.PERMISSION_DENIED : S.UNKNOWN_ERROR,
      })
    }
    return new Promise((resolve) => {
      // rpcd writes the input once into a non-blocking pipe and frees the rest: at most one pipe's worth.
      let input = Buffer.from(formatBlob(args), 'utf8')
      if (input.length > PIPE_CAPACITY) input = input.subarray(0, PIPE_CAPACITY)
      const child = spawn(path, ['call', method], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: childEnv,
      })
      running.add(child)
      const out = []
      let outDone = false
      let parsed = null
      let stdoutEof = false
      let stderrEof = false
      let settled = false
      const settle = (result) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        running.delete(child)
        child.stdout.destroy()
        child.stderr.destroy()
        resolve(result)
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL') // the plugin's own pid only, like rpcd
        settle({ status: S.TIMEOUT })
      }, pluginTimeoutMs)
      child.on('error', (e) => settle({ status: errnoStatus(e) }))
      child.stdin.on('error', () => {})
      child.stdin.end(input)
      child.stdout.on('data', (d) => {
        if (outDone) return
        out.push(d)
        const r = parseFirst(Buffer.concat(out).toString('utf8'))
        if (r.state !== 'continue') {
          outDone = true
          parsed = r
        }
      })
      child.stderr.on('data', () => {})
      const finish = () => {
        if (!stdoutEof || !stderrEof) return
        // rpc_plugin_call_finish_cb()
        if (out.length === 0) return settle({ status: S.NO_DATA })
        if (!parsed) return settle({ status: S.INVALID_ARGUMENT })
        if (parsed.state !== 'done') return settle({ status: S.INVALID_ARGUMENT })
        if (parsed.node.t === 'null') return settle({ status: S.NO_DATA })
        if (parsed.node.t !== 'table') return settle({ status: S.INVALID_ARGUMENT })
        settle({ status: S.OK, reply: parsed.node })
      }
      child.stdout.on('end', () => {
        stdoutEof = true
        finish()
      })
      child.stderr.on('end', () => {
        stderrEof = true
        finish()
      })
    })
  }

  // ---- assembly --------------------------------------------------------------------------------

  objects.set('session', {
    name: 'session',
    kind: 'builtin',
    methods: new Map(Object.entries(sessionMethods)),
    call: callSession,
  })
  objects.set('file', {
    name: 'file',
    kind: 'builtin',
    methods: new Map(Object.entries(fileMethods)),
    call: callFile,
  })

  return {
    objects,
    sessionAccess,
    /** Runs every plugin's `list` and sets up the default (null) session, as rpcd does at start. */
    async start() {
      if (!existsSync(root)) throw new Error(`router tree ${root} does not exist`)
      const ses = newSession(NULL_SID, 0)
      setupAcls(ses, null)
      sessions.set(NULL_SID, ses)
      await registerPlugins()
    },
    /** ubus invoke: method lookup happens in libubus before the handler runs. */
    async invoke(objectName, method, args) {
      const obj = objects.get(objectName)
      if (!obj) return { status: S.NOT_FOUND }
      if (!obj.methods.has(method)) return { status: S.METHOD_NOT_FOUND }
      return obj.call(method, args)
    },
    close() {
      for (const child of running) if (child.pid && child.exitCode === null) child.kill('SIGKILL')
      running.clear()
    },
    _sessions: sessions,
  }
}

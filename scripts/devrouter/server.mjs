#!/usr/bin/env node
// devrouter: uhttpd + rpcd as lanvpn meets them, on 127.0.0.1, for `make demo` and the contract
// tests. It serves <root>/www like uhttpd, answers POST /ubus (legacy JSON-RPC) and the REST-style
// /ubus/call|list endpoints like uhttpd-mod-ubus, and behind them emulates rpcd's `session` and
// `file` objects and runs the router tree's exec plugins exactly as rpcd runs them.
//
//   node scripts/devrouter/server.mjs --root dist/root --prefix DIR [--port 8080] [--password demo]
//        [--user root] [--host 127.0.0.1] [--plugin-timeout SECONDS] [--script-timeout SECONDS]
//        [--verbose]
//
// Read from: openwrt/uhttpd ubus.c, file.c, mimetypes.h; openwrt/rpcd session.c, plugin.c, exec.c,
// file.c; openwrt/libubox blobmsg_json.c. Status codes, messages, validation order, reply shapes and
// the JSON text itself (blobmsg_format_json, e.g. "/" is written as "\/") follow those sources.
//
// DELIBERATE DIFFERENCES from a router (everything else is meant to match; a mismatch is a bug):
//  1. Passwords are compared as plain text (`logins[].password`), not with crypt(3) or the shadow
//     file (`$p$root`). As in rpcd, an empty/absent password accepts any password. The shadow
//     markers "!" and "x" are not special here.
//  2. Logins come from the `logins` option, not /etc/config/rpcd. `read`/`write` must be arrays (a
//     UCI `list`); a plain string is ignored, as rpcd ignores `option read '*'`.
//  3. Every exec plugin gets LANVPN_PREFIX=<prefix> (plus the `env` option) on top of this process's
//     environment; rpcd passes only its own (procd's) environment. Unless the environment or `env`
//     names one, LANVPN_RUNTIME is the native qjs (scripts/native-qjs.mjs): lanvpn's plugin runs
//     under the router's runtime, as it does on a router with qjs installed.
//  4. file.* maps each router path (after rpcd's canonicalization and ACL check, which use the
//     router path) to <prefix>/<path>, or to <root>/<path> when the prefix does not have it (the
//     web UI's files, e.g. the language catalogs file.list sees). file.write, file.remove and file.exec do the ACL check and
//     then answer 8 (NOT_SUPPORTED): not emulated. session.create/list/grant/revoke/get/set/unset
//     also answer 8.
//  5. Only the objects `session`, `file` and the exec plugins of <root> exist. A router also has
//     uci, network, system, luci-rpc, ... so `list` shows fewer objects and calls to those give
//     -32000. Shared-object (/usr/lib/rpcd/*.so) and ucode plugins are not loaded.
//  6. A plugin `list` that would hang rpcd at boot (no output, incomplete JSON, `null`, not
//     exec()able, or still running after printing) makes startDevRouter() reject after at most
//     10 s instead of hanging. Invalid JSON or a non-object skips the plugin (as rpcd does) with a
//     warning on stderr.
//  7. A plugin that execv() cannot start (no #! line and not ELF -> ENOEXEC, or no x bit) gets a
//     warning and status 9 (6 for EACCES). In rpcd the forked child returns into rpcd's own code
//     and what the caller sees is not well defined [inferred]. Node's spawn would instead have run
//     such a script with /bin/sh, hiding the bug, hence the check.
//  8. Sessions expire lazily: an expired session is removed at its next lookup (rpcd removes it
//     when its uloop timer fires); callers cannot tell the difference.
//  9. A request body over 64 KiB is read to the end (up to 16 MiB, then the socket is dropped)
//     before the -32700 reply with `Connection: close`; uhttpd replies at once without reading the
//     rest. Same reply, easier on HTTP clients.
// 10. uhttpd parses the body incrementally per TCP read and answers -32700 if data follows a
//     complete JSON value in a *later* read; here trailing data after the first value is always
//     ignored (what uhttpd does when it arrives in the same read).
// 11. json-c's non-strict extensions (comments, single quotes, NaN) are rejected here; a router
//     would accept them. JSON nesting is limited to json-c's default depth (32) like the tokener.
//     Doubles are printed with %lf (6 decimals: 1.5 -> 1.500000) as current blobmsg_format_json
//     does [inferred: the libubox copy read predates BLOBMSG_TYPE_DOUBLE]; exact-tie rounding of
//     the 6th decimal may differ from glibc by one unit.
// 12. The REST endpoint POST /ubus/call/<obj> treats a missing `params` as {} (uhttpd would walk a
//     NULL attribute) and a non-object `params` as -32700. GET /ubus/subscribe/<obj> checks the
//     `:subscribe` ACL and then holds an event stream open that never carries events (exec plugins
//     cannot send any). CORS (-X) is not emulated (same-origin UI needs none).
// 13. Directory listings (uhttpd's default, no_dirlists 0) are produced with simplified HTML.
// 14. ubus message size limits (UBUS_MAX_MSGLEN) are not enforced on replies [unverified on device].
// 15. Listens on loopback only; a non-loopback `host` is refused.
// 16. `sessionTimeoutDefault` (default 300, rpcd's compiled-in RPC_DEFAULT_SESSION_TIMEOUT) is the
//     login timeout when the client sends none; changing it is a difference from every router.
//
// Timeouts: `pluginTimeoutMs` is rpcd's -t (shipped 30 s): the plugin gets SIGKILL and the reply is
// result [7]. `scriptTimeoutMs` is uhttpd's -t (default 60 s): when rpcd has not answered by then,
// uhttpd itself answers error -32003 (ubus.c uh_ubus_timeout_cb). With the shipped values rpcd's 30 s
// fires first, so a hanging plugin shows up in the browser as result [7], not -32003.

import { createServer } from 'node:http'
import { readdirSync, realpathSync, statSync, createReadStream } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { qjsCommand } from '../native-qjs.mjs'
import {
  NULL,
  array,
  field,
  formatBlob,
  i32,
  parseFirst,
  str,
  table,
  typedField,
  u32,
} from './blobjson.mjs'
import { NULL_SID, S, STATUS_TEXT, canonicalizePath, createRpcd, listTypeName } from './rpcd.mjs'

export const MAX_POST_SIZE = 65536

// uhttpd ubus.c json_errors[]
const E = {
  PARSE: [-32700, 'Parse error'],
  REQUEST: [-32600, 'Invalid request'],
  METHOD: [-32601, 'Method not found'],
  PARAMS: [-32602, 'Invalid parameters'],
  INTERNAL: [-32603, 'Internal error'],
  OBJECT: [-32000, 'Object not found'],
  SESSION: [-32001, 'Session not found'],
  ACCESS: [-32002, 'Access denied'],
  TIMEOUT: [-32003, 'ubus request timed out'],
}

// uhttpd mimetypes.h, in table order (the lookup walks the table, so order matters).
const MIME_TYPES = [
  ['txt', 'text/plain'],
  ['log', 'text/plain'],
  ['js', 'text/javascript'],
  ['css', 'text/css'],
  ['htm', 'text/html'],
  ['html', 'text/html'],
  ['diff', 'text/x-patch'],
  ['patch', 'text/x-patch'],
  ['c', 'text/x-csrc'],
  ['h', 'text/x-chdr'],
  ['o', 'text/x-object'],
  ['ko', 'text/x-object'],
  ['bmp', 'image/bmp'],
  ['gif', 'image/gif'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['svg', 'image/svg+xml'],
  ['zip', 'application/zip'],
  ['pdf', 'application/pdf'],
  ['xml', 'application/xml'],
  ['xsl', 'application/xml'],
  ['doc', 'application/msword'],
  ['ppt', 'application/vnd.ms-powerpoint'],
  ['xls', 'application/vnd.ms-excel'],
  ['odt', 'application/vnd.oasis.opendocument.text'],
  ['odp', 'application/vnd.oasis.opendocument.presentation'],
  ['pl', 'application/x-perl'],
  ['sh', 'application/x-shellscript'],
  ['php', 'application/x-php'],
  ['deb', 'application/x-deb'],
  ['iso', 'application/x-cd-image'],
  ['tar.gz', 'application/x-compressed-tar'],
  ['tgz', 'application/x-compressed-tar'],
  ['gz', 'application/x-gzip'],
  ['tar.bz2', 'application/x-bzip-compressed-tar'],
  ['tbz', 'application/x-bzip-compressed-tar'],
  ['bz2', 'application/x-bzip'],
  ['tar', 'application/x-tar'],
  ['rar', 'application/x-rar-compressed'],
  ['mp3', 'audio/mpeg'],
  ['ogg', 'audio/x-vorbis+ogg'],
  ['wav', 'audio/x-wav'],
  ['mpg', 'video/mpeg'],
  ['mpeg', 'video/mpeg'],
  ['avi', 'video/x-msvideo'],
  ['README', 'text/plain'],
  ['log', 'text/plain'],
  ['cfg', 'text/plain'],
  ['conf', 'text/plain'],
  ['pac', 'application/x-ns-proxy-autoconfig'],
  ['wpad.dat', 'application/x-ns-proxy-autoconfig'],
]

const INDEX_FILES = ['index.html', 'index.htm', 'default.html', 'default.htm']

/** uh_file_mime_lookup(): first table entry matching after any '.' or '/' (case-insensitive). */
export function mimeType(path) {
  for (const [ext, mime] of MIME_TYPES) {
    for (let e = path.length - 1; e >= 0; e--) {
      if (
        (path[e] === '.' || path[e] === '/') &&
        path.slice(e + 1).toLowerCase() === ext.toLowerCase()
      )
        return mime
    }
  }
  return 'application/octet-stream'
}

/** uh_urldecode() into bytes; null when malformed. Stops at a decoded NUL (C string). */
function urldecode(s) {
  const bytes = []
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      bytes.push(...Buffer.from(s[i], 'latin1'))
      continue
    }
    if (i + 2 >= s.length) return null
    const hex = s.slice(i + 1, i + 3)
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null
    bytes.push(parseInt(hex, 16))
    i += 2
  }
  let out = Buffer.from(bytes)
  const z = out.indexOf(0)
  if (z >= 0) out = out.subarray(0, z)
  return out.toString('utf8')
}

/** uh_path_match() */
function pathMatch(prefix, url) {
  if (prefix === '/') return true
  if (!url.startsWith(prefix)) return false
  const c = url[prefix.length]
  return c === undefined || c === '/' || c === '?'
}

const httpDate = (ms) => new Date(Math.floor(ms / 1000) * 1000).toUTCString()

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function rpcError(idNode, [code, message]) {
  return table([
    ['jsonrpc', str('2.0')],
    ['id', idNode ?? NULL],
    [
      'error',
      table([
        ['code', i32(code)],
        ['message', str(message)],
      ]),
    ],
  ])
}

function rpcResult(idNode, result) {
  return table([
    ['jsonrpc', str('2.0')],
    ['id', idNode ?? NULL],
    ['result', result],
  ])
}

/** The plugin env `env` with LANVPN_RUNTIME set to the native qjs unless `env` or this process's
 * environment names a runtime. Throws, saying how to build it, when the native qjs is missing. */
function withRuntime(env) {
  if (env.LANVPN_RUNTIME || process.env.LANVPN_RUNTIME) return env
  // The whole command: the plugin adds --std -m for a qjs once more, which is harmless.
  return { LANVPN_RUNTIME: qjsCommand().join(' '), ...env }
}

/**
 * Starts the emulator. Resolves to { url, port, close() }.
 * Options: port (0 = any free), host ('127.0.0.1'), root (router tree), prefix (LANVPN_PREFIX and
 * file.* mapping), logins, sessionTimeoutDefault (300; rpcd's compiled default), pluginTimeoutMs
 * (rpcd -t, 30000), scriptTimeoutMs (uhttpd -t, 60000), env (extra plugin env; LANVPN_RUNTIME
 * defaults to the native qjs, see 3. above), verbose, log.
 */
export async function startDevRouter({
  port = 0,
  host = '127.0.0.1',
  root,
  prefix,
  logins = [],
  sessionTimeoutDefault = 300,
  pluginTimeoutMs = 30000,
  scriptTimeoutMs = 60000,
  env = {},
  verbose = false,
  log = (line) => process.stderr.write(line + '\n'),
} = {}) {
  if (!root) throw new Error('startDevRouter: `root` (the router tree, e.g. dist/root) is required')
  if (!isLoopback(host))
    throw new Error(`startDevRouter: refusing to listen on non-loopback host ${host}`)
  const rpcd = createRpcd({
    root,
    prefix,
    logins,
    pluginTimeoutMs,
    sessionTimeoutDefault,
    env: withRuntime(env),
    warn: (m) => log(`devrouter: ${m}`),
  })
  await rpcd.start()
  const docroot = realpathSync(join(root, 'www'))

  const vlog = (line) => {
    if (verbose) log(`devrouter: ${line}`)
  }

  // ---- /ubus ---------------------------------------------------------------------------------

  /** ubus invoke with uhttpd's script timeout around it. */
  function invoke(object, method, args) {
    return new Promise((resolve) => {
      let done = false
      const t = setTimeout(() => {
        done = true
        resolve({ uhttpdTimeout: true })
      }, scriptTimeoutMs)
      rpcd.invoke(object, method, args).then(
        (r) => {
          if (done) return // uhttpd already answered -32003 and aborted the request
          clearTimeout(t)
          resolve(r)
        },
        () => {
          if (done) return
          clearTimeout(t)
          resolve({ status: S.UNKNOWN_ERROR })
        }
      )
    })
  }

  function withSession(args, sid) {
    return table([...args.v, ['ubus_rpc_session', str(sid)]])
  }

  function listObjects(names) {
    // ubusd lookup: '' = all, trailing '*' = prefix, else exact
    const all = [...rpcd.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const found = []
    for (const name of names) {
      if (name === '') found.push(...all)
      else if (name.endsWith('*')) found.push(...all.filter((o) => o.startsWith(name.slice(0, -1))))
      else if (rpcd.objects.has(name)) found.push(name)
    }
    return found
  }

  function signatureTable(objName) {
    const obj = rpcd.objects.get(objName)
    return table(
      [...obj.methods].map(([m, sig]) => [
        m,
        table(sig.map(([arg, type]) => [arg, str(listTypeName(type))])),
      ])
    )
  }

  /** uh_ubus_handle_request_object(): one legacy JSON-RPC request → one response node. */
  async function handleRequestObject(node, note) {
    if (!node || node.t !== 'table') return rpcError(null, E.PARSE)
    const id = field(node, 'id')
    const jsonrpc = typedField(node, 'jsonrpc', 'string')
    if (!jsonrpc || jsonrpc.v !== '2.0') return rpcError(id, E.PARSE)
    const method = typedField(node, 'method', 'string')
    if (!method) return rpcError(id, E.PARSE)
    const params = field(node, 'params')
    if (method.v === 'call') {
      // parse_call_params(): blobmsg_parse_array with [string, string, string, table]
      const want = ['string', 'string', 'string', 'table']
      const tb = []
      if (params && params.t === 'array') {
        for (let k = 0; k < params.v.length && k < 4; k++) {
          if (params.v[k].t !== want[k]) break
          tb[k] = params.v[k]
        }
      }
      const [sid, object, fn, args] = tb
      if (!sid || !object || !fn || !args) return rpcError(id, E.PARSE)
      note.what = `${object.v}.${fn.v}`
      if (!rpcd.objects.has(object.v)) return rpcError(id, E.OBJECT)
      if (!rpcd.sessionAccess(sid.v, 'ubus', object.v, fn.v)) return rpcError(id, E.ACCESS)
      if (args.v.some(([k]) => k === 'ubus_rpc_session')) return rpcError(id, E.PARAMS)
      const r = await invoke(object.v, fn.v, withSession(args, sid.v))
      if (r.uhttpdTimeout) return rpcError(id, E.TIMEOUT)
      const result = [u32(r.status)]
      if (r.reply && r.reply.v.length) result.push(r.reply)
      note.status = r.status
      return rpcResult(id, array(result))
    }
    if (method.v === 'list') {
      note.what = 'list'
      if (!params || params.t !== 'array') {
        return rpcResult(id, array(listObjects(['']).map((n) => str(n))))
      }
      const names = params.v.filter((p) => p.t === 'string').map((p) => p.v)
      return rpcResult(id, table(listObjects(names).map((n) => [n, signatureTable(n)])))
    }
    return rpcError(id, E.METHOD)
  }

  function sendJson(res, status, text, extra = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...extra })
    res.end(text)
  }

  async function handleUbusPost(req, res, urlPath, body, oversize) {
    const rest = urlPath.slice('/ubus'.length)
    const legacy = rest === '' || rest === '/'
    if (oversize) {
      vlog(`POST ${urlPath} body over ${MAX_POST_SIZE} bytes -> -32700`)
      return sendJson(res, 200, formatBlob(rpcError(null, E.PARSE)), { Connection: 'close' })
    }
    const parsed = parseFirst(body.toString('utf8'))
    const top = parsed.state === 'done' ? parsed.node : null
    if (legacy) {
      if (top && top.t === 'array') {
        const out = []
        for (const el of top.v) {
          const note = {}
          out.push(formatBlob(await handleRequestObject(el, note)))
          vlog(`POST /ubus [batch] ${note.what ?? '?'} -> ${describe(out[out.length - 1])}`)
        }
        return sendJson(res, 200, '[' + out.join(',') + ']')
      }
      if (top && top.t === 'table') {
        const note = {}
        const text = formatBlob(await handleRequestObject(top, note))
        vlog(`POST /ubus ${note.what ?? '?'} -> ${describe(text)}`)
        return sendJson(res, 200, text)
      }
      vlog(`POST /ubus unparsable body -> -32700`)
      return sendJson(res, 200, formatBlob(rpcError(null, E.PARSE)))
    }
    if (rest.startsWith('/call/')) {
      const objName = rest.slice('/call/'.length)
      const auth = req.headers.authorization
      const sid = auth && /^bearer /i.test(auth) ? auth.slice(7) : NULL_SID
      const r = await restCall(top, objName, sid)
      vlog(`POST /ubus/call/${objName} -> ${describe(r)}`)
      return sendJson(res, 200, r)
    }
    res.writeHead(404, {})
    res.end()
  }

  /** uh_ubus_call(): REST-style call; replies with result object/null or error {code: status}. */
  async function restCall(top, objName, sid) {
    if (!top || top.t !== 'table') return formatBlob(rpcError(null, E.PARSE))
    const id = field(top, 'id')
    const jsonrpc = typedField(top, 'jsonrpc', 'string')
    const method = typedField(top, 'method', 'string')
    if (!jsonrpc || jsonrpc.v !== '2.0' || !method) return formatBlob(rpcError(id, E.PARSE))
    if (!rpcd.objects.has(objName)) return formatBlob(rpcError(id, E.OBJECT))
    if (!rpcd.sessionAccess(sid, 'ubus', objName, method.v))
      return formatBlob(rpcError(id, E.ACCESS))
    let params = field(top, 'params') ?? table([])
    if (params.t !== 'table') return formatBlob(rpcError(id, E.PARSE))
    if (params.v.some(([k]) => k === 'ubus_rpc_session')) return formatBlob(rpcError(id, E.PARAMS))
    const r = await invoke(objName, method.v, withSession(params, sid))
    if (r.uhttpdTimeout) return formatBlob(rpcError(id, E.TIMEOUT))
    if (r.status !== 0)
      return formatBlob(
        table([
          ['jsonrpc', str('2.0')],
          ['id', id ?? NULL],
          [
            'error',
            table([
              ['code', u32(r.status)],
              ['message', str(STATUS_TEXT[r.status] ?? 'Unknown error')],
            ]),
          ],
        ])
      )
    return formatBlob(rpcResult(id, r.reply && r.reply.v.length ? r.reply : NULL))
  }

  function handleUbusGet(req, res, urlPath) {
    const rest = urlPath.slice('/ubus'.length)
    if (rest === '/list' || rest.startsWith('/list/')) {
      const path = rest === '/list' ? null : rest.slice('/list/'.length)
      const names = listObjects([path ?? ''])
      if (path !== null && names.length === 0 && path !== '') {
        res.writeHead(500, 'Ubus Protocol Error', { 'Content-Type': 'application/json' })
        return res.end(
          formatBlob(
            table([
              ['code', i32(S.NOT_FOUND)],
              ['message', str(STATUS_TEXT[S.NOT_FOUND])],
            ])
          )
        )
      }
      const body =
        path === null
          ? table(names.map((n) => [n, signatureTable(n)]))
          : table(names.flatMap((n) => signatureTable(n).v))
      vlog(`GET ${urlPath} -> 200`)
      return sendJson(res, 200, formatBlob(body))
    }
    if (rest.startsWith('/subscribe/')) {
      const objName = rest.slice('/subscribe/'.length)
      const auth = req.headers.authorization
      const sid = auth && /^bearer /i.test(auth) ? auth.slice(7) : NULL_SID
      if (!rpcd.sessionAccess(sid, 'ubus', objName, ':subscribe'))
        return sendJson(
          res,
          200,
          formatBlob(
            table([
              ['code', i32(-13)],
              ['message', str('Permission denied')],
            ])
          )
        )
      if (!rpcd.objects.has(objName))
        return sendJson(
          res,
          200,
          formatBlob(
            table([
              ['code', i32(S.NOT_FOUND)],
              ['message', str(STATUS_TEXT[S.NOT_FOUND])],
            ])
          )
        )
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.flushHeaders()
      return // held open; no events ever
    }
    res.writeHead(404, {})
    res.end()
  }

  function describe(textOrNode) {
    const text = typeof textOrNode === 'string' ? textOrNode : formatBlob(textOrNode)
    const m = /"error":\{"code":(-?\d+)/.exec(text)
    if (m) return `error ${m[1]}`
    const r = /"result":\[(\d+)/.exec(text)
    if (r) return `result [${r[1]}]`
    return 'ok'
  }

  // ---- static files -----------------------------------------------------------------------------

  function clientError(res, req, code, summary, message) {
    res.writeHead(code, summary, { 'Content-Type': 'text/html' })
    res.end(`<h1>${summary}</h1>${message ?? ''}`)
  }

  function notFound(req, res) {
    clientError(
      res,
      req,
      404,
      'Not Found',
      `The requested URL ${req.url} was not found on this server.`
    )
  }

  function serveStatic(req, res) {
    const url = req.url
    const q = url.indexOf('?')
    const query = q >= 0 && url.length > q + 1 ? url.slice(q + 1) : null
    const decoded = urldecode(q >= 0 ? url.slice(0, q) : url)
    if (decoded === null) return notFound(req, res)
    const slash = (docroot + decoded).endsWith('/')
    const phys = canonicalizePath(docroot + decoded)
    if (!(phys === docroot || phys.startsWith(docroot + '/'))) return notFound(req, res)
    let st
    try {
      st = statSync(phys)
    } catch {
      return notFound(req, res)
    }
    let file = phys
    if (st.isDirectory()) {
      if (!slash) {
        res.writeHead(302, 'Found', {
          Location: phys.slice(docroot.length) + '/' + (query ? '?' + query : ''),
        })
        return res.end()
      }
      for (const idx of INDEX_FILES) {
        try {
          const s = statSync(join(phys, idx))
          if (s.isFile()) {
            file = join(phys, idx)
            st = s
            break
          }
        } catch {}
      }
    } else if (!st.isFile()) return notFound(req, res)
    if (!(st.mode & 0o004))
      return clientError(
        res,
        req,
        403,
        'Forbidden',
        `You don't have permission to access ${url} on this server.`
      )
    if (st.isDirectory()) return dirList(res, phys)
    const tag = `"${(st.ino >>> 0).toString(16)}-${(st.size >>> 0).toString(16)}-${(Math.floor(st.mtimeMs / 1000) >>> 0).toString(16)}"`
    const mtime = Math.floor(st.mtimeMs / 1000)
    const okHeaders = {
      ETag: tag,
      'Last-Modified': httpDate(st.mtimeMs),
      Date: httpDate(Date.now()),
    }
    const h = req.headers
    const dateOf = (s) => {
      const t = Date.parse(s)
      return Number.isNaN(t) ? 0 : Math.floor(t / 1000)
    }
    const tagListHas = (s) => s.split(/[ ,]+/).some((p) => p === '*' || p === tag)
    // uh_file_data() precondition order
    if (h['if-modified-since'] && dateOf(h['if-modified-since']) >= mtime) {
      res.writeHead(304, okHeaders)
      return res.end()
    }
    if (h['if-match'] && !tagListHas(h['if-match'])) return precondFailed(res)
    if (h['if-range']) return precondFailed(res)
    if (h['if-unmodified-since'] && dateOf(h['if-unmodified-since']) <= mtime)
      return precondFailed(res)
    if (h['if-none-match'] && tagListHas(h['if-none-match'])) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.writeHead(304, okHeaders)
        return res.end()
      }
      return precondFailed(res)
    }
    res.writeHead(200, {
      ...okHeaders,
      'Content-Type': mimeType(file.slice(docroot.length)),
      'Content-Length': st.size,
    })
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).pipe(res)
  }

  function precondFailed(res) {
    res.writeHead(412, 'Precondition Failed', {})
    res.end()
  }

  function dirList(res, phys) {
    const name = phys.slice(docroot.length) || '/'
    const rel = name.endsWith('/') ? name : name + '/'
    let entries = []
    try {
      entries = readdirSync(phys).sort()
    } catch {}
    const items = entries
      .map((e) => {
        try {
          const s = statSync(join(phys, e))
          return s.isDirectory()
            ? `<li><a href='${rel}${e}/'>${e}</a>/</li>`
            : `<li><a href='${rel}${e}'>${e}</a></li>`
        } catch {
          return ''
        }
      })
      .join('')
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end(
      `<html><head><title>Index of ${rel}</title></head><body><h1>Index of ${rel}</h1><hr /><ol>${items}</ol><hr /></body></html>`
    )
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    const url = req.url || '/'
    const urlPath = url.split('?')[0]
    if (pathMatch('/ubus', url)) {
      if (req.method === 'GET') return handleUbusGet(req, res, urlPath)
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 })
        return res.end()
      }
      if (req.method !== 'POST') return clientError(res, req, 400, 'Bad Request', 'Invalid Request')
      const chunks = []
      let size = 0
      let oversize = false
      req.on('data', (d) => {
        size += d.length
        if (size > MAX_POST_SIZE) oversize = true
        else chunks.push(d)
        if (size > 16 * 1024 * 1024) req.destroy()
      })
      req.on('end', () => {
        handleUbusPost(req, res, urlPath, Buffer.concat(chunks), oversize).catch((e) => {
          log(`devrouter: internal error: ${e.stack || e}`)
          if (!res.headersSent) sendJson(res, 200, formatBlob(rpcError(null, E.INTERNAL)))
        })
      })
      return
    }
    req.resume()
    res.on('finish', () => vlog(`${req.method} ${urlPath} -> ${res.statusCode}`))
    try {
      serveStatic(req, res)
    } catch (e) {
      log(`devrouter: internal error: ${e.stack || e}`)
      if (!res.headersSent) clientError(res, req, 500, 'Internal Server Error', '')
    }
  })

  await new Promise((resolve, reject) => {
    server.once('error', (e) => {
      rpcd.close()
      if (e.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is already in use`))
      else reject(e)
    })
    server.listen(port, host, resolve)
  })
  const actualPort = server.address().port
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    close() {
      rpcd.close()
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
    /** For tests: the emulated rpcd. */
    rpcd,
  }
}

// ---- CLI ----------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { root: 'dist/root', port: 8080, host: '127.0.0.1', user: 'root', verbose: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--root') opts.root = val()
    else if (a === '--prefix') opts.prefix = val()
    else if (a === '--port') opts.port = Number(val())
    else if (a === '--host') opts.host = val()
    else if (a === '--user') opts.user = val()
    else if (a === '--password') opts.password = val()
    else if (a === '--plugin-timeout') opts.pluginTimeoutMs = Number(val()) * 1000
    else if (a === '--script-timeout') opts.scriptTimeoutMs = Number(val()) * 1000
    else if (a === '--verbose' || a === '-v') opts.verbose = true
    else if (a === '--help' || a === '-h') opts.help = true
    else throw new Error(`unknown argument ${a}`)
  }
  return opts
}

async function main() {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`devrouter: ${e.message}\n`)
    process.exit(2)
  }
  if (opts.help) {
    process.stdout.write(
      'usage: server.mjs --root DIR [--prefix DIR] [--port N] [--host 127.0.0.1] [--user root]\n' +
        '                  [--password PW] [--plugin-timeout S] [--script-timeout S] [--verbose]\n'
    )
    return
  }
  if (opts.password === undefined && process.env.DEVROUTER_PASSWORD !== undefined)
    opts.password = process.env.DEVROUTER_PASSWORD
  if (!opts.password)
    process.stderr.write(
      `devrouter: no --password: '${opts.user}' logs in with ANY password (rpcd's rule for an empty hash)\n`
    )
  let dr
  try {
    dr = await startDevRouter({
      root: opts.root,
      prefix: opts.prefix,
      port: opts.port,
      host: opts.host,
      verbose: opts.verbose,
      pluginTimeoutMs: opts.pluginTimeoutMs,
      scriptTimeoutMs: opts.scriptTimeoutMs,
      logins: [{ username: opts.user, password: opts.password ?? '', read: ['*'], write: ['*'] }],
    })
  } catch (e) {
    process.stderr.write(`devrouter: ${e.message}\n`)
    process.exit(1)
  }
  process.stdout.write(`devrouter listening on ${dr.url}/ (pid ${process.pid})\n`)
  const stop = async () => {
    await dr.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()

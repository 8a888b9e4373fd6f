// JSON as rpcd and uhttpd see it: json-c's tokener on the way in, libubox blobmsg in the middle,
// blobmsg_format_json() on the way out. Used by the devrouter (server.mjs) so that what a plugin
// reads on stdin and what a browser reads from /ubus are byte-for-byte what a router produces.
//
// A parsed value is a "blob node":
//   { t: 'table', v: [[name, node], ...] }   JSON object (json-c keeps the first position and the
//                                              last value of a duplicated key)
//   { t: 'array', v: [node, ...] }
//   { t: 'string', v }  strings are cut at the first NUL (blobmsg_add_string uses strlen)
//   { t: 'bool', v }    BLOBMSG_TYPE_BOOL (= INT8)
//   { t: 'int32', v }   integers in int32 range
//   { t: 'int64', v }   other integers (BigInt, saturated to int64 as json-c does)
//   { t: 'double', v }  numbers written with '.', 'e' or 'E'
//   { t: 'null' }       BLOBMSG_TYPE_UNSPEC
//
// Sources: openwrt/libubox blobmsg_json.c (blobmsg_add_json_element, blobmsg_format_string,
// blobmsg_format_element), json-c json_tokener.c (incremental parse, JSON_TOKENER_DEFAULT_DEPTH 32).
// Not emulated (the emulator is stricter, the safe direction): json-c's non-strict extensions
// (comments, single-quoted strings, NaN/Infinity literals).

export const MAX_DEPTH = 32

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const WS = new Set([' ', '\t', '\n', '\r'])

class Incomplete extends Error {}
class Invalid extends Error {}

/**
 * Parses the first complete JSON value of `text`, like json_tokener_parse_ex() fed the stream.
 * Returns { state: 'done', node, end } | { state: 'continue' } | { state: 'error' }.
 * A top-level number is complete only when a character follows it (json-c cannot know before);
 * `null` is done with node { t: 'null' } (json-c returns a NULL object for it).
 */
export function parseFirst(text, { maxDepth = MAX_DEPTH } = {}) {
  let i = 0
  const n = text.length
  const skipWs = () => {
    while (i < n && WS.has(text[i])) i++
  }
  const need = () => {
    if (i >= n) throw new Incomplete()
  }
  function parseString() {
    // at opening quote
    i++
    let out = ''
    for (;;) {
      need()
      const c = text[i]
      if (c === '"') {
        i++
        return out
      }
      if (c === '\\') {
        i++
        need()
        const e = text[i]
        const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        if (e in map) {
          out += map[e]
          i++
        } else if (e === 'u') {
          if (i + 4 >= n) {
            // may still be valid once more input arrives
            const hex = text.slice(i + 1)
            if (!/^[0-9a-fA-F]*$/.test(hex)) throw new Invalid()
            throw new Incomplete()
          }
          const hex = text.slice(i + 1, i + 5)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Invalid()
          out += String.fromCharCode(parseInt(hex, 16))
          i += 5
        } else throw new Invalid()
        continue
      }
      // json-c accepts raw control characters inside strings; so do we.
      out += c
      i++
    }
  }
  function parseNumber(top) {
    const start = i
    if (text[i] === '-') i++
    need()
    if (!/[0-9]/.test(text[i])) throw new Invalid()
    while (i < n && /[0-9]/.test(text[i])) i++
    let isDouble = false
    if (i < n && text[i] === '.') {
      isDouble = true
      i++
      need()
      if (!/[0-9]/.test(text[i])) throw new Invalid()
      while (i < n && /[0-9]/.test(text[i])) i++
    }
    if (i < n && (text[i] === 'e' || text[i] === 'E')) {
      isDouble = true
      i++
      need()
      if (text[i] === '+' || text[i] === '-') i++
      need()
      if (!/[0-9]/.test(text[i])) throw new Invalid()
      while (i < n && /[0-9]/.test(text[i])) i++
    }
    if (top && i >= n) throw new Incomplete()
    const lit = text.slice(start, i)
    if (isDouble) return { t: 'double', v: Number(lit) }
    let big = BigInt(lit)
    if (big > INT64_MAX) big = INT64_MAX
    if (big < INT64_MIN) big = INT64_MIN
    if (big >= BigInt(INT32_MIN) && big <= BigInt(INT32_MAX)) return { t: 'int32', v: Number(big) }
    return { t: 'int64', v: big }
  }
  function parseLiteral(word, node) {
    for (let k = 0; k < word.length; k++) {
      if (i + k >= n) throw new Incomplete()
      if (text[i + k] !== word[k]) throw new Invalid()
    }
    i += word.length
    return node
  }
  function parseValue(depth, top) {
    // json-c refuses to descend to a value at depth >= max_depth (the top value is depth 0).
    if (depth >= maxDepth) throw new Invalid()
    skipWs()
    need()
    const c = text[i]
    if (c === '{') {
      i++
      const entries = []
      const index = new Map()
      skipWs()
      need()
      if (text[i] === '}') {
        i++
        return { t: 'table', v: entries }
      }
      for (;;) {
        skipWs()
        need()
        if (text[i] !== '"') throw new Invalid()
        const key = cutNul(parseString())
        skipWs()
        need()
        if (text[i] !== ':') throw new Invalid()
        i++
        const val = parseValue(depth + 1, false)
        if (index.has(key)) entries[index.get(key)][1] = val
        else {
          index.set(key, entries.length)
          entries.push([key, val])
        }
        skipWs()
        need()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return { t: 'table', v: entries }
        }
        throw new Invalid()
      }
    }
    if (c === '[') {
      i++
      const items = []
      skipWs()
      need()
      if (text[i] === ']') {
        i++
        return { t: 'array', v: items }
      }
      for (;;) {
        items.push(parseValue(depth + 1, false))
        skipWs()
        need()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return { t: 'array', v: items }
        }
        throw new Invalid()
      }
    }
    if (c === '"') return { t: 'string', v: cutNul(parseString()) }
    if (c === 't') return parseLiteral('true', { t: 'bool', v: true })
    if (c === 'f') return parseLiteral('false', { t: 'bool', v: false })
    if (c === 'n') return parseLiteral('null', { t: 'null' })
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber(top)
    throw new Invalid()
  }
  try {
    const node = parseValue(0, true)
    return { state: 'done', node, end: i }
  } catch (e) {
    if (e instanceof Incomplete) return { state: 'continue' }
    if (e instanceof Invalid) return { state: 'error' }
    throw e
  }
}

function cutNul(s) {
  const z = s.indexOf('\0')
  return z < 0 ? s : s.slice(0, z)
}

/** blobmsg_format_string(): escapes " \ / \b \n \t \r and other control characters as \u00XX. */
export function formatString(s) {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)
    if (ch === '"' || ch === '\\' || ch === '/') out += '\\' + ch
    else if (ch === '\b') out += '\\b'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (c < 0x20) out += '\\u00' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}

/** printf("%lf") for a finite double. */
export function formatDouble(x) {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan'
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf'
  const neg = x < 0 || Object.is(x, -0)
  const a = Math.abs(x)
  const body = a < 1e21 ? a.toFixed(6) : BigInt(a).toString() + '.000000'
  return (neg ? '-' : '') + body
}

/** blobmsg_format_json(attr, true) of a node, compact (no indent), as rpcd and uhttpd write it. */
export function formatBlob(node) {
  switch (node.t) {
    case 'table':
      return (
        '{' +
        node.v.map(([k, v]) => (k === '' ? '' : formatString(k) + ':') + formatBlob(v)).join(',') +
        '}'
      )
    case 'array':
      return '[' + node.v.map(formatBlob).join(',') + ']'
    case 'string':
      return formatString(node.v)
    case 'bool':
      return node.v ? 'true' : 'false'
    case 'int32':
      return String(node.v | 0)
    case 'int64':
      return node.v.toString()
    case 'double':
      return formatDouble(node.v)
    case 'null':
      return 'null'
    default:
      throw new Error(`formatBlob: unknown node type ${node.t}`)
  }
}

// ---- building nodes from plain JS values (for replies the emulator composes itself) ----------

export const str = (v) => ({ t: 'string', v: cutNul(String(v)) })
export const i32 = (v) => ({ t: 'int32', v: v | 0 })
/** blobmsg_add_u32(): the value is stored as 32 bits and printed as a signed int32. */
export const u32 = (v) => ({ t: 'int32', v: Number(BigInt.asIntN(32, BigInt(Math.trunc(v)))) })
export const bool = (v) => ({ t: 'bool', v: !!v })
export const table = (entries) => ({ t: 'table', v: entries })
export const array = (items) => ({ t: 'array', v: items })
export const NULL = { t: 'null' }

/** A table node's value for `name`, or undefined. */
export function field(node, name) {
  if (!node || node.t !== 'table') return undefined
  for (const [k, v] of node.v) if (k === name) return v
  return undefined
}

/** blobmsg_parse() with a one-field policy: the field only counts when its type matches. */
export function typedField(node, name, type) {
  const v = field(node, name)
  if (!v) return undefined
  if (type === 'int32' ? v.t === 'int32' : v.t === type) return v
  return undefined
}

/** Converts a node to a plain JS value (int64 as Number when safe, else string). For tests/logs. */
export function toPlain(node) {
  switch (node.t) {
    case 'table':
      return Object.fromEntries(node.v.map(([k, v]) => [k, toPlain(v)]))
    case 'array':
      return node.v.map(toPlain)
    case 'int64':
      return Number.isSafeInteger(Number(node.v)) ? Number(node.v) : node.v.toString()
    case 'null':
      return null
    default:
      return node.v
  }
}

// fnmatch(3) as rpcd calls it: no FNM_PATHNAME (so `*` also matches `/`), no FNM_PERIOD.
// rpcd uses FNM_NOESCAPE for ACL objects/functions (session.c uh_foreach_matching_acl) and flags 0
// (backslash quotes the next character) for the login `list read/write` group globs
// (session.c rpc_login_test_permission).
// Supported: `*`, `?`, bracket expressions `[abc]`, `[a-z]`, `[!x]` / `[^x]`, `[]x]`, POSIX classes
// `[[:alpha:]]` etc. An unterminated `[` matches a literal `[` (as glibc does).

const CLASSES = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
}

const cache = new Map()

function escapeRe(ch) {
  return /[\\^$.*+?()[\]{}|\/-]/.test(ch) ? '\\' + ch : ch
}

function compile(pattern, noescape) {
  const key = (noescape ? '1' : '0') + pattern
  let re = cache.get(key)
  if (re) return re
  let src = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\' && !noescape) {
      i++
      src += i < pattern.length ? escapeRe(pattern[i]) : '\\\\'
    } else if (c === '*') src += '[\\s\\S]*'
    else if (c === '?') src += '[\\s\\S]'
    else if (c === '[') {
      // find the closing bracket
      let j = i + 1
      let negate = false
      if (pattern[j] === '!' || pattern[j] === '^') {
        negate = true
        j++
      }
      let body = ''
      let first = true
      let closed = false
      while (j < pattern.length) {
        const d = pattern[j]
        if (d === ']' && !first) {
          closed = true
          break
        }
        first = false
        if (d === '[' && pattern[j + 1] === ':') {
          const end = pattern.indexOf(':]', j + 2)
          const name = end > 0 ? pattern.slice(j + 2, end) : ''
          if (end > 0 && CLASSES[name]) {
            body += CLASSES[name]
            j = end + 2
            continue
          }
        }
        if (d === '\\' && !noescape && j + 1 < pattern.length) {
          body += escapeRe(pattern[j + 1])
          j += 2
          continue
        }
        if (d === '-' && body !== '' && pattern[j + 1] !== ']' && j + 1 < pattern.length) {
          body += '-'
          j++
          continue
        }
        body += escapeRe(d)
        j++
      }
      if (!closed) {
        src += '\\['
      } else {
        src += '[' + (negate ? '^' : '') + body + ']'
        i = j
      }
    } else src += escapeRe(c)
  }
  src += '$'
  re = new RegExp(src)
  cache.set(key, re)
  return re
}

/** True when `string` matches `pattern` (fnmatch() returned 0). */
export function fnmatch(pattern, string, { noescape = false } = {}) {
  try {
    return compile(pattern, noescape).test(string)
  } catch {
    // A malformed range like [z-a]: glibc treats it as matching nothing.
    return false
  }
}

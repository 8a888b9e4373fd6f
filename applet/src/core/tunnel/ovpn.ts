// OpenVPN `.ovpn` import. A provider's file is read line by line and rebuilt from a whitelist:
// directives that only tune the connection are kept, inline certificates and keys are kept as
// blocks, and everything that would run a command, touch routes, DNS or files, or change how
// openvpn is run is refused with the line and the reason. The sanitised text is a secret (it holds
// the keys); renderOvpnRunConfig (openvpn-run.ts) adds what lanvpn needs to run it with its own
// device and routing.
import { isHostname, isIp, parseWholeNumber } from '../config/formats'
import type { OvpnRemote } from '../config/types'
import { quoteOvpnArg } from './openvpn-run'
import { BLOCKS, COMPRESSION, FILE_ARGS, IGNORE, KEEP, REFUSE } from './ovpn-directives'
import { byLine, MAX_PROFILE_TEXT, type ImportFailure, type ImportNote } from './profile-text'

/** A usable import: the sanitised config (secret: it carries inline keys), the servers, the DNS the
 * file names, and whether lanvpn must supply a user name and password (auth-user-pass). */
export type OvpnImport = {
  ok: true
  sanitised: string
  remotes: OvpnRemote[]
  dns: string[]
  dnsSearch: string[]
  needsCredentials: boolean
  /** From an inline <auth-user-pass> block, when the file carried one. Secret. */
  credentials?: { username: string; password: string }
  notes: ImportNote[]
}

// An argument that openvpn reads as plain data (no path, no shell): printable, no quotes.
const SAFE_ARG = /^[\x21-\x7e]{1,256}$/
const MAX_VERB = 3

/** Splits one line into words the way openvpn's parse_line does for what a provider writes:
 * whitespace-separated, "double" (backslash escapes) and 'single' quotes, # or ; between words
 * starts a comment. */
export function splitOvpnLine(line: string): string[] {
  const words: string[] = []
  let i = 0
  while (i < line.length) {
    const c = line[i]
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '#' || c === ';') break
    let word = ''
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const q = line[i]
      if (q === '"' || q === "'") {
        i++
        while (i < line.length && line[i] !== q) {
          if (q === '"' && line[i] === '\\' && i + 1 < line.length) i++
          word += line[i++]
        }
        i++
      } else word += line[i++]
    }
    words.push(word)
  }
  return words
}

type Parse = {
  kept: string[]
  blocks: Array<{ tag: string; body: string[] }>
  remotes: Array<{ host: string; port?: number; proto?: string; line: number }>
  notes: ImportNote[]
  dns: string[]
  dnsSearch: string[]
  seen: Set<string>
  proto: string
  port: number
  needsCredentials: boolean
  credentials?: { username: string; password: string }
  /** Directives that name a file (`ca ca.crt`): an inline block of the same name wins. */
  refs: Array<{ name: string; file: string; line: number }>
  /** Set by a problem that makes the file unusable as a whole (a file reference, dev tap …). */
  fatal: boolean
}

function readDirective(p: Parse, words: string[], line: number): void {
  const note = (level: ImportNote['level'], message: string): void => {
    p.notes.push({ line, level, message })
  }
  const fatal = (message: string) => {
    p.fatal = true
    note('error', message)
  }
  // openvpn strips a leading `--` in files too (options_util.c bypass_doubledash).
  const name = words[0].replace(/^--(?=.)/, '').toLowerCase()
  const args = words.slice(1)
  const shown = name.slice(0, 40)
  p.seen.add(name)
  if (Object.prototype.hasOwnProperty.call(REFUSE, name)) {
    note('refused', `${shown} refused: ${REFUSE[name]}`)
    return
  }
  if (name === 'dev' || name === 'dev-type') {
    if (/^tap/.test(args[0] ?? '')) fatal(`${name} tap is not supported: lanvpn routes IP over tun`)
    return // lanvpn names the device itself
  }
  if (name === 'remote') {
    const [host = '', portText, protoText] = args
    if (!(isHostname(host) || isIp(host)))
      return note('error', 'remote host must be a host name or IP address; skipped')
    const port = portText === undefined ? undefined : parseWholeNumber(portText, 1, 65535)
    if (port === null) return note('error', 'remote port must be from 1 to 65535; skipped')
    if (protoText !== undefined && !/^(udp|tcp)[46]?(-client)?$/.test(protoText)) {
      return note('error', 'remote protocol must be udp or tcp; skipped')
    }
    p.remotes.push({ host, port, proto: protoText, line })
    p.kept.push(['remote', ...args].map(quoteOvpnArg).join(' '))
    return
  }
  if (name === 'proto' && args[0]) p.proto = args[0]
  if ((name === 'port' || name === 'rport') && args[0]) {
    const port = parseWholeNumber(args[0], 1, 65535)
    if (port === null) return note('error', `${name} must be from 1 to 65535; skipped`)
    p.port = port
  }
  if (name === 'dhcp-option') {
    const [kind = '', value = ''] = args
    const k = kind.toUpperCase()
    if ((k === 'DNS' || k === 'DNS6') && isIp(value)) p.dns.push(value)
    else if ((k === 'DOMAIN' || k === 'DOMAIN-SEARCH') && isHostname(value)) p.dnsSearch.push(value)
    else note('warning', 'dhcp-option ignored: only DNS servers and search domains are used')
    return
  }
  if (name === 'auth-user-pass') {
    p.needsCredentials = true
    if (args.length > 0)
      note('warning', 'auth-user-pass file ignored: enter the user name and password in lanvpn')
    return // lanvpn adds its own, pointing at a root-only file
  }
  if (FILE_ARGS.has(name)) {
    const [file = '', ...rest] = args
    if (file !== '[inline]' && file !== '') p.refs.push({ name, file, line })
    if (!rest.every((a) => /^[01]$/.test(a))) return fatal(`${shown}: unexpected arguments`)
    if (rest.length > 0) p.kept.push(`key-direction ${rest[0]}`)
    return // the inline block itself is kept
  }
  if (name === 'secret')
    return fatal('static-key mode (secret) is not supported; ask the provider for a TLS profile')
  if (name === 'verb') {
    const v = parseWholeNumber(args[0] ?? '', 0, 11)
    if (v !== null && v > MAX_VERB)
      note('warning', `verb lowered to ${MAX_VERB}: higher levels log addresses`)
    p.kept.push(`verb ${v === null ? MAX_VERB : Math.min(v, MAX_VERB)}`)
    return
  }
  if (IGNORE.has(name))
    return note(
      'warning',
      `${shown} ignored: lanvpn sets this itself or it does not apply on a router`
    )
  const isCompression = COMPRESSION.has(name)
  if (!KEEP.has(name) && !isCompression) {
    return note('warning', `${shown} removed: not on lanvpn's list of safe directives`)
  }
  if (
    !args.every(
      (a) => SAFE_ARG.test(a) || (name === 'verify-x509-name' && !/[\x00-\x1f\x7f]/.test(a))
    )
  ) {
    return note('error', `${shown}: an argument has characters lanvpn does not accept; skipped`)
  }
  if (isCompression)
    note(
      'warning',
      `${shown} kept: compression weakens encryption (VORACLE); ask the provider for a profile without it`
    )
  p.kept.push([name, ...args].map(quoteOvpnArg).join(' '))
}

function readBlock(p: Parse, tag: string, body: string[], line: number): void {
  const note = (level: ImportNote['level'], message: string): void => {
    p.notes.push({ line, level, message })
  }
  const fatal = (message: string) => {
    p.fatal = true
    note('error', message)
  }
  if (tag === 'auth-user-pass') {
    const [username = '', password = ''] = body.map((l) => l.trim())
    if (!username || !password)
      return note('error', '<auth-user-pass> needs a user name line and a password line')
    p.credentials = { username, password }
    p.needsCredentials = true
    return
  }
  if (tag === 'connection') return fatal('<connection> blocks are not supported; use remote lines')
  if (!BLOCKS.has(tag))
    return note(
      'refused',
      `<${tag.slice(0, 30)}> block removed: not a certificate or key lanvpn uses`
    )
  if (p.blocks.some((b) => b.tag === tag)) return fatal(`<${tag}> appears twice`)
  const text = body.join('\n')
  const pem = /-----BEGIN [A-Za-z0-9 -]+-----/.test(text)
  if (tag !== 'pkcs12' && !pem) return fatal(`<${tag}> does not hold a PEM block (-----BEGIN …)`)
  if (/^-----BEGIN ENCRYPTED|^Proc-Type: 4,ENCRYPTED/m.test(text))
    return fatal(
      `<${tag}> is encrypted with a passphrase, which no one can type at the router: decrypt it (openssl pkey -in client.key) and paste that`
    )
  p.blocks.push({ tag, body })
}

/** Parses and sanitises an `.ovpn` file. Never throws; refuses with notes when the result could not
 * connect (no usable remote, no inline CA, no client certificate and no auth-user-pass, a file
 * reference, dev tap). A referenced file is taken from `files` (by base name: the other files of
 * an archive) when the text has no inline block for it. */
export function parseOvpn(
  text: string,
  files: Record<string, string> = {}
): OvpnImport | ImportFailure {
  const fail = (message: string): ImportFailure => ({
    ok: false,
    notes: [{ line: 0, level: 'error', message }],
  })
  if (text.length > MAX_PROFILE_TEXT) return fail('the file is larger than 64 KiB')
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text))
    return fail('the file has control characters; is it text?')
  const p: Parse = {
    kept: [],
    blocks: [],
    remotes: [],
    notes: [],
    dns: [],
    dnsSearch: [],
    seen: new Set(),
    proto: 'udp',
    port: 1194,
    needsCredentials: false,
    refs: [],
    fatal: false,
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim()
    const open = /^<([A-Za-z0-9-]+)>$/.exec(trimmed)
    if (open) {
      const tag = open[1].toLowerCase()
      const end = lines.findIndex((l, j) => j > i && l.trim().toLowerCase() === `</${tag}>`)
      if (end < 0) {
        p.notes.push({
          line: i + 1,
          level: 'error',
          message: `<${tag}> is not closed by </${tag}>`,
        })
        p.fatal = true
        break
      }
      readBlock(p, tag, lines.slice(i + 1, end), i + 1)
      i = end
      continue
    }
    const words = splitOvpnLine(trimmed)
    if (words.length > 0) readDirective(p, words, i + 1)
  }
  for (const { name, file, line } of p.refs) {
    const base = file.replace(/^.*[\\/]/, '')
    if (p.blocks.some((b) => b.tag === name)) continue // the inline block wins, as in openvpn
    const found = Object.prototype.hasOwnProperty.call(files, base) ? files[base] : null
    if (found !== null) readBlock(p, name, found.trim().split(/\r\n|\r|\n/), line)
    else {
      p.fatal = true
      p.notes.push({
        line,
        level: 'error',
        message: `${name} names the file ${base.slice(0, 64)}, which is not in this profile: paste it between <${name}> and </${name}>`,
      })
    }
  }
  const notes = p.notes
  const need = (ok: boolean, message: string) => {
    if (ok) return
    notes.push({ line: 0, level: 'error', message })
    p.fatal = true
  }
  need(p.remotes.length > 0, 'no usable remote line: the file must name the server')
  need(
    p.blocks.some((b) => b.tag === 'ca'),
    'no <ca> block: the server certificate authority is needed'
  )
  const hasCert = p.blocks.some((b) => b.tag === 'cert') && p.blocks.some((b) => b.tag === 'key')
  need(
    hasCert || p.needsCredentials || p.blocks.some((b) => b.tag === 'pkcs12'),
    'neither a client certificate (<cert> and <key>) nor auth-user-pass'
  )
  notes.sort(byLine)
  if (p.fatal) return { ok: false, notes }
  const remotes: OvpnRemote[] = p.remotes.map((r) => ({
    host: r.host,
    port: r.port ?? p.port,
    proto: (r.proto ?? p.proto).startsWith('tcp') ? 'tcp' : 'udp',
  }))
  const sanitised = [
    '# Sanitised by lanvpn from an imported profile. lanvpn adds dev, routing and credentials.',
    ...p.kept,
    ...p.blocks.map((b) => [`<${b.tag}>`, ...b.body, `</${b.tag}>`].join('\n')),
    '',
  ].join('\n')
  const result: OvpnImport = {
    ok: true,
    sanitised,
    remotes,
    dns: p.dns,
    dnsSearch: p.dnsSearch,
    needsCredentials: p.needsCredentials,
    notes,
  }
  if (p.credentials) result.credentials = p.credentials
  return result
}

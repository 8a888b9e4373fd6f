// `getDiagnostics {}`: the redacted diagnostics bundle (core/diagnostics.ts) for the UI's download
// and `lanvpn diagnostics`. It is built from files only: the rpc face never runs nft or ip
// (architecture.md, One writer), so the live rule set is represented by the fail-closed firewall
// includes the daemon writes on every table change (the destination rules' in outline: their
// elements counted, core/diagnostics.ts rulesIncludeSummary), and the daemon's view by its status
// file.
// Secret values are read here only to find and redact them; none is ever returned.
import type { DiagnosticsResult } from '../core/api/calls'
import { buildDiagnostics, diagnosticsFilename } from '../core/diagnostics'
import { parseConfig } from '../core/config/validate'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { readDevicesFile } from '../system/devices-file'
import { readConfigText } from '../system/files'

declare const __LANVPN_VERSION__: string
const VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

/** Secret files whose content is a value to hunt for (tokens, passwords, usernames, preshared and
 * private keys). An OpenVPN profile file is no value: its keys are PEM blocks, caught by pattern. */
const VALUE_SECRET = /^(ms_token|ms_password|profile_[A-Za-z0-9_]+(\.(auth|psk[0-9]{1,2}))?)$/

function secretValues(host: Host, paths: Paths): string[] {
  const values: string[] = []
  for (const name of host.listDir(paths.secretsDir) ?? []) {
    if (!VALUE_SECRET.test(name)) continue
    const text = host.readFile(`${paths.secretsDir}/${name}`) ?? ''
    for (const line of text.split(/\r?\n/)) if (line.trim()) values.push(line.trim())
  }
  return values
}

function readJson(host: Host, path: string): unknown {
  const text = host.readFile(path)
  if (text === null) return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return 'unreadable'
  }
}

/** `getDiagnostics {}`: builds the bundle now. Reads only; writes nothing. */
export async function getDiagnostics(ctx: {
  host: Host
  paths: Paths
}): Promise<DiagnosticsResult> {
  const { host, paths } = ctx
  const { config, problems } = parseConfig(readConfigText(host, paths))
  const seen = readDevicesFile(host, paths).devices
  const now = host.wallMs()
  const text = buildDiagnostics({
    version: VERSION,
    runtime: host.runtime,
    nowWallMs: now,
    status: readJson(host, paths.status),
    config,
    problems,
    devices: { seen: seen.length, online: seen.filter((d) => d.online).length },
    firewallInclude: host.readFile(paths.fw4Include),
    rulesInclude: host.readFile(paths.fw4RulesInclude),
    known: {
      secrets: secretValues(host, paths),
      names: seen.map((d) => d.hostname).filter((n) => typeof n === 'string' && n !== ''),
    },
  })
  return { filename: diagnosticsFilename(now), text }
}

/** The rpc table entry, for rpc/methods.ts: `...diagnosticsMethods`. */
export const diagnosticsMethods = {
  getDiagnostics: { args: {}, call: getDiagnostics },
}

// lanvpn's own dnsmasq instances as processes (daemon/dns.ts decides which run): each runs with
// `--conf-file=<dir>/<name>.conf` and writes `<dir>/<name>.pid`. Reads /proc and sends signals.
import { isLiveProcStat, parsePidFile } from '../core/observe/openvpn'
import type { Host } from '../host/host'
import { readOrNull, sleep } from './openvpn'

/** The pid of instance `name` when it runs (its pid file names a live dnsmasq started with its
 * conf), else 0. No process. */
export function liveDnsmasq(host: Host, dir: string, name: string): number {
  const pid = parsePidFile(readOrNull(host, `${dir}/${name}.pid`))
  const argv = (pid ? readOrNull(host, `/proc/${pid}/cmdline`) : null)?.split('\0') ?? []
  const ours = argv.includes(`--conf-file=${dir}/${name}.conf`)
  return ours && isLiveProcStat(readOrNull(host, `/proc/${pid}/stat`)) ? pid : 0
}

/** Stops instance `name` (SIGTERM, SIGKILL after 2 s) and removes its files; whether it ran. */
export async function stopDnsmasq(host: Host, dir: string, name: string): Promise<boolean> {
  const pid = liveDnsmasq(host, dir, name)
  for (const sig of pid ? (['TERM', 'KILL'] as const) : []) {
    host.kill(pid, sig)
    for (let i = 0; i < 20 && liveDnsmasq(host, dir, name); i++) await sleep(host, 100)
    if (!liveDnsmasq(host, dir, name)) break
  }
  host.removeFile(`${dir}/${name}.pid`)
  host.removeFile(`${dir}/${name}.conf`)
  return pid !== 0
}

/** The instances that have files in `dir` (a conf, or a pid file: one started just as its conf
 * was removed still writes it). */
export const dnsmasqNames = (host: Host, dir: string): string[] => [
  ...new Set((host.listDir(dir) ?? []).map((f) => f.replace(/\.(conf|pid)$/, ''))),
]

/** Stops every instance (cleanup); the names of those that ran. */
export async function stopAllDnsmasq(host: Host, dir: string): Promise<string[]> {
  const ran: string[] = []
  for (const name of dnsmasqNames(host, dir)) if (await stopDnsmasq(host, dir, name)) ran.push(name)
  return ran
}

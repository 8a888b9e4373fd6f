// How lanvpn runs openvpn (core/tunnel/openvpn-run.ts) and what it reads back of it
// (core/observe/openvpn.ts): the argv, the pid file, /proc entries, sysfs flags, the status file.
import { describe, expect, it } from 'vitest'
import { MARK_TUNNEL } from '../../applet/src/core/ids'
import {
  isLiveProcStat,
  isOurOpenvpn,
  isUpFlags,
  parseOpenvpnStatus,
  parsePidFile,
} from '../../applet/src/core/observe/openvpn'
import {
  openvpnArgv,
  openvpnFiles,
  renderOvpnRunConfig,
} from '../../applet/src/core/tunnel/openvpn-run'

const files = openvpnFiles('/var/run/lanvpn')

describe('the openvpn argv', () => {
  const argv = openvpnArgv(files)

  it('keeps its files in the RAM run directory', () => {
    expect(files).toEqual({
      config: '/var/run/lanvpn/openvpn.conf',
      pid: '/var/run/lanvpn/openvpn.pid',
      status: '/var/run/lanvpn/openvpn.status',
      dns: '/var/run/lanvpn/openvpn.dns',
    })
  })

  it('reads the run config first, so the options after it win', () => {
    expect(argv.slice(0, 3)).toEqual(['openvpn', '--config', files.config])
  })

  it('runs as a daemon with a pid file, logging nowhere and writing counters to the status file', () => {
    const at = (opt: string) => argv[argv.indexOf(opt) + 1]
    expect(argv).toContain('--daemon')
    expect(at('--writepid')).toBe(files.pid)
    expect(at('--log')).toBe('/dev/null')
    expect(at('--status')).toBe(files.status)
  })

  it('marks the tunnel packets with MARK_TUNNEL in decimal, since openvpn reads it with atoi', () => {
    const mark = argv[argv.indexOf('--mark') + 1]
    expect(mark).toMatch(/^[0-9]+$/)
    expect(Number(mark)).toBe(MARK_TUNNEL)
  })

  it('carries nothing but options, paths and numbers (no secret can be in argv)', () => {
    for (const a of argv) expect(a).toMatch(/^(openvpn|--[a-z-]+|\/[\w/.-]+|[0-9]+)$/)
  })

  it('never lets the run config name a device other than lanvpn’s, nor run its scripts', () => {
    const text = renderOvpnRunConfig('remote 203.0.113.30 1194\n', {
      dev: 'lanvpn0',
      authFile: '/etc/lanvpn/secrets/profile_x.auth',
    })
    expect(text).toContain('dev lanvpn0\ndev-type tun\n')
    expect(text).toContain('route-noexec')
    expect(text).toContain('auth-user-pass /etc/lanvpn/secrets/profile_x.auth')
    expect(text).not.toMatch(/^(up|script-security) /m)
  })
})

describe('reading openvpn back', () => {
  it('takes the pid from a pid file and refuses anything that is not one plausible pid', () => {
    expect(parsePidFile('4242\n')).toBe(4242)
    expect(parsePidFile(null)).toBe(0)
    expect(parsePidFile('')).toBe(0)
    expect(parsePidFile('1\n')).toBe(0)
    expect(parsePidFile('-5')).toBe(0)
    expect(parsePidFile('12 13')).toBe(0)
    expect(parsePidFile('99999999999')).toBe(0)
  })

  it('recognises its own openvpn by the run config it was started with', () => {
    const cmdline = openvpnArgv(files).join('\0') + '\0'
    expect(isOurOpenvpn(cmdline, files.config)).toBe(true)
    expect(isOurOpenvpn(`/usr/sbin/${cmdline}`, files.config)).toBe(true)
    expect(isOurOpenvpn(cmdline, '/tmp/other.conf')).toBe(false)
    expect(isOurOpenvpn(`openvpn\0--config\0/etc/openvpn/client.conf\0`, files.config)).toBe(false)
    expect(isOurOpenvpn(`sleep\0--config\0${files.config}\0`, files.config)).toBe(false)
    expect(isOurOpenvpn(null, files.config)).toBe(false)
    expect(isOurOpenvpn('', files.config)).toBe(false)
  })

  it('counts a zombie or a missing /proc entry as gone', () => {
    expect(isLiveProcStat('4242 (openvpn) S 1 4242 4242 0 -1 4194624 …')).toBe(true)
    expect(isLiveProcStat('4242 (openvpn) Z 1 4242 4242 0 -1 …')).toBe(false)
    expect(isLiveProcStat('4242 (odd) Z name) S 1 …')).toBe(true)
    expect(isLiveProcStat(null)).toBe(false)
  })

  it('sees the tun device up from its sysfs flags', () => {
    expect(isUpFlags('0x1091\n')).toBe(true)
    expect(isUpFlags('0x1090\n')).toBe(false)
    expect(isUpFlags(null)).toBe(false)
    expect(isUpFlags('up')).toBe(false)
  })

  it('reads the traffic counters of a client status file, rx out of the tunnel and tx into it', () => {
    const status = [
      'OpenVPN STATISTICS',
      'Updated,2026-11-22 07:05:01',
      'TUN/TAP read bytes,304',
      'TUN/TAP write bytes,48',
      'TCP/UDP read bytes,2397',
      'TCP/UDP write bytes,2751',
      'Auth read bytes,48',
      'END',
      '',
    ].join('\n')
    expect(parseOpenvpnStatus(status)).toEqual({ rxBytes: 48, txBytes: 304 })
    expect(parseOpenvpnStatus(status.replace(/\n/g, '\r\n'))).toEqual({ rxBytes: 48, txBytes: 304 })
  })

  it('has no counters before the first status write or for another format', () => {
    expect(parseOpenvpnStatus(null)).toBeNull()
    expect(parseOpenvpnStatus('')).toBeNull()
    expect(parseOpenvpnStatus('TITLE,OpenVPN 2.6\nHEADER,CLIENT_LIST,…\n')).toBeNull()
    expect(parseOpenvpnStatus('OpenVPN STATISTICS\nUpdated,x\nEND\n')).toBeNull()
  })
})

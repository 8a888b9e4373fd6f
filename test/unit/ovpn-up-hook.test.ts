// lanvpn's openvpn --up hook (openwrt-package/files/usr/libexec/lanvpn/ovpn-up) run as openvpn
// runs it: `<hook> <dns file> <tun_dev> <tun_mtu> <link_mtu> <ifconfig_local> <netmask> init`, the
// pushed options in foreign_option_N. Under this machine's sh and awk and under busybox's (the
// router's). Values come from the VPN server: hostile ones must never run and never reach the file.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const HOOK = resolve(import.meta.dirname, '../../openwrt-package/files/usr/libexec/lanvpn/ovpn-up')
const OPENVPN_ARGS = ['lanvpn0', '1500', '0', '10.66.0.2', '255.255.255.0', 'init']

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanvpn-ovpn-up-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const BUSYBOX = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim()

/** A PATH whose awk, mv and rm are busybox's, as on OpenWrt. */
function busyboxPath(): string {
  const bin = join(dir, 'bin')
  if (existsSync(bin)) return bin
  mkdirSync(bin)
  for (const applet of ['awk', 'mv', 'rm']) symlinkSync(BUSYBOX, join(bin, applet))
  return bin
}

/** How the hook is run (openvpn execs it: its #!/bin/sh) and the PATH its awk, mv, rm come from. */
const shells = {
  'sh and awk of this machine': () => ({ argv: [HOOK], path: process.env.PATH ?? '' }),
  "busybox's sh and awk": () => ({ argv: [BUSYBOX, 'sh', HOOK], path: busyboxPath() }),
}

describe.each(Object.entries(shells))('the openvpn up hook under %s', (_, shell) => {
  /** Runs the hook with `options` as foreign_option_1..N and nothing else in its environment. */
  function runHook(options: string[], file = join(dir, 'openvpn.dns')) {
    const { argv, path } = shell()
    const env: Record<string, string> = { PATH: path }
    options.forEach((o, i) => (env[`foreign_option_${i + 1}`] = o))
    return spawnSync(argv[0], [...argv.slice(1), file, ...OPENVPN_ARGS], {
      env,
      encoding: 'utf8',
      cwd: dir,
    })
  }
  const written = () => readFileSync(join(dir, 'openvpn.dns'), 'utf8')

  it('writes the DNS servers the server pushed, one a line, root-only, and nothing else', () => {
    const r = runHook([
      'dhcp-option DOMAIN corp.example',
      'dhcp-option DNS 10.66.0.1',
      'dhcp-option DNS6 fd66::1',
      'dhcp-option dns 10.66.0.2',
    ])
    expect(r.status).toBe(0)
    expect(written()).toBe('10.66.0.1\nfd66::1\n10.66.0.2\n')
    expect(statSync(join(dir, 'openvpn.dns')).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('writes an empty file when the server pushed no DNS: the hook has run', () => {
    expect(runHook([]).status).toBe(0)
    expect(written()).toBe('')
  })

  it('never runs or writes a hostile value, and still exits 0', () => {
    const marker = join(dir, 'ran')
    const r = runHook([
      `dhcp-option DNS $(touch ${marker})`,
      `dhcp-option DNS \`touch ${marker}\``,
      `dhcp-option DNS 10.66.0.9;touch ${marker}`,
      'dhcp-option DNS 10.66.0.7\ndhcp-option DNS 10.66.0.8',
      `dhcp-option DNS "10.66.0.6"`,
      "dhcp-option DNS '10.66.0.5'",
      'dhcp-option DNS 300.1.1.1',
      'dhcp-option DNS 10.66.0.4 extra',
      'dhcp-option DNS 10.66.0.3',
    ])
    expect(r.status).toBe(0)
    expect(existsSync(marker)).toBe(false)
    expect(written()).toBe('10.66.0.3\n')
  })

  it('exits 0 without writing when its argument is not an absolute path or cannot be written', () => {
    expect(runHook(['dhcp-option DNS 10.66.0.1'], 'openvpn.dns').status).toBe(0)
    expect(runHook(['dhcp-option DNS 10.66.0.1'], join(dir, 'missing/openvpn.dns')).status).toBe(0)
    expect(readdirSync(dir).filter((f) => f !== 'bin')).toEqual([])
  })
})

// Mode changes as set-element transactions, in the lab router: the full `inet lanvpn` table is
// applied once, then devices move between the MAC sets with ONE `nft -f` that touches no chain
// and no other set, and the moved device's existing connections are dropped from conntrack so a
// long-lived TCP connection that started `direct` cannot keep flowing over the WAN.
//
//   [lv…-laptop] 02:00:00:00:50:01
//        │ eth0 (DHCP 192.168.50.x, SLAAC fd50::)
//   ── br-lan ──[lv…-router: table inet lanvpn (sets + chains), table inet fw4 (NAT), conntrack]
//                    │ wan 198.51.100.2
//               [lv…-inet: echo server 192.0.2.1:80]
//
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeviceMode } from '../../applet/src/core/config/types'
import { observeDevices } from '../../applet/src/core/devices/inventory'
import { resolvePaths } from '../../applet/src/core/paths'
import { parseAppliedHash, renderNftTable, type NftModel } from '../../applet/src/core/render/nft'
import {
  diffDeviceSets,
  renderMembershipUpdate,
  type DeviceSets,
} from '../../applet/src/core/render/nft-sets'
import type { Host } from '../../applet/src/host/host'
import { createNodeHost } from '../../applet/src/host/node'
import { dropConntrack } from '../../applet/src/system/conntrack'
import { observeInventory } from '../../applet/src/system/inventory'
import { Lab, labOrFail, waitFor } from './lab'

const LAPTOP = '02:00:00:00:50:01'
const empty = (): DeviceSets => ({ vpn: [], direct: [], mediastreamer: [], blocked: [] })
/** n unicast MACs of a range no lab device uses. */
const macs = (n: number, prefix = '00:16:3e') =>
  Array.from({ length: n }, (_, i) => {
    const hex = (x: number) => x.toString(16).padStart(2, '0')
    return `${prefix}:00:${hex(i >> 8)}:${hex(i & 255)}`
  })

function model(devices: DeviceSets): NftModel {
  return {
    devices,
    defaultMode: 'direct',
    lan: { managed: ['br-lan'], direct: [], blocked: [] },
    // No tunnel in this spec: vpn devices reach nothing past the router (the kill switch).
    tunnelIface: 'lanvpn0',
    vpnBypassed: false,
    tunnelCarriesV6: false,
    tunnelDns: { v4: ['10.64.0.1'], v6: [] },
    smartDns: { v4: [], v6: [] },
    routerViaWan: '',
  }
}

describe.runIf(labOrFail())('device sets in the lab router', () => {
  let lab: Lab
  /** A Host whose commands run in the router namespace, as the daemon's would on a router. */
  let router: Host

  const nftSet = async (mode: DeviceMode): Promise<string[]> => {
    const set = {
      vpn: 'vpn_devices',
      direct: 'direct_devices',
      mediastreamer: 'mediastreamer_devices',
      blocked: 'blocked_devices',
    }[mode]
    const r = await lab.exec('router', ['nft', '-j', 'list', 'set', 'inet', 'lanvpn', set], {
      check: true,
    })
    const parsed = JSON.parse(r.stdout) as { nftables: Array<{ set?: { elem?: string[] } }> }
    return (parsed.nftables.find((x) => x.set)?.set?.elem ?? []).slice().sort()
  }
  const applyFull = async (devices: DeviceSets) =>
    lab.exec('router', ['nft', '-f', '-'], { input: renderNftTable(model(devices)), check: true })
  /** One `nft -f` = one transaction: the only way this spec changes membership. Afterwards the
   * table carries the hash a full apply of `after` would have given it. */
  const applyChanges = async (before: DeviceSets, after: DeviceSets) => {
    const hash = parseAppliedHash(renderNftTable(model(after)))
    const script = renderMembershipUpdate(model(before), model(after), hash)
    expect(script).toMatch(/^flush set /)
    // The sets, then the hash: the one rule of the chain `applied` (no hook), nothing else's.
    const [sets, hashLines] = [script!.split('\n').slice(0, -3), script!.split('\n').slice(-3)]
    expect(sets.join('\n')).not.toMatch(/\b(table|chain|rule|delete)\b/)
    expect(hashLines).toEqual([
      'flush chain inet lanvpn applied',
      `add rule inet lanvpn applied meta mark ${hash}`,
      '',
    ])
    await lab.exec('router', ['nft', '-f', '-'], { input: script!, check: true })
    const applied = await lab.exec('router', ['nft', 'list', 'chain', 'inet', 'lanvpn', 'applied'])
    expect(parseAppliedHash(applied.stdout)).toBe(hash)
  }
  const chainsWithHandles = async () =>
    (
      await lab.exec('router', ['nft', '-a', 'list', 'chain', 'inet', 'lanvpn', 'mark_devices'], {
        check: true,
      })
    ).stdout

  beforeAll(async () => {
    lab = await Lab.up({ devices: ['laptop'] })
    const base = createNodeHost()
    const ns = lab.nsName('router')
    router = new Proxy(base, {
      get(target, prop) {
        if (prop === 'exec')
          return (argv: string[], opts?: object) =>
            target.exec(['ip', 'netns', 'exec', ns, ...argv], opts)
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  })
  afterAll(async () => {
    await lab?.down()
  })

  it('moves one device between sets in one transaction without touching chains or other sets', async () => {
    const before = { ...empty(), direct: [LAPTOP], blocked: ['00:16:3e:00:ff:01'] }
    await applyFull(before)
    const chains = await chainsWithHandles()
    const after = { ...empty(), vpn: [LAPTOP], blocked: ['00:16:3e:00:ff:01'] }
    await applyChanges(before, after)
    expect(await nftSet('vpn')).toEqual([LAPTOP])
    expect(await nftSet('direct')).toEqual([])
    expect(await nftSet('blocked')).toEqual(['00:16:3e:00:ff:01'])
    // Same rule handles: the chain was not rebuilt.
    expect(await chainsWithHandles()).toBe(chains)
  })

  it('applies 500 configured devices and moves half of them in one transaction', async () => {
    const all = macs(500)
    const before = { ...empty(), vpn: all }
    await applyFull(before)
    expect(await nftSet('vpn')).toHaveLength(500)
    const after = {
      ...empty(),
      vpn: all.slice(0, 250),
      direct: all.slice(250, 499),
      blocked: [all[499]],
    }
    await applyChanges(before, after)
    expect(await nftSet('vpn')).toEqual(all.slice(0, 250))
    expect(await nftSet('direct')).toEqual(all.slice(250, 499))
    expect(await nftSet('blocked')).toEqual([all[499]])
    expect(diffDeviceSets(before, after).movedMacs).toHaveLength(250)
  })

  it('drops the conntrack entries of a device moved from direct to vpn, so its open TCP connection stops', async () => {
    const before = { ...empty(), direct: [LAPTOP] }
    await applyFull(before)
    const ip = lab.deviceIp('laptop')
    const ip6 = await lab.deviceIp6('laptop')
    const trigger = join(lab.stateDir, 'sharing-move')
    // A connection held open: connect now, send a request only after the move.
    const client = lab.spawn('laptop', [
      'bash',
      '-c',
      `exec 3<>/dev/tcp/192.0.2.1/80 || exit 9; echo connected; while [ ! -e ${trigger} ]; do sleep 0.1; done; ` +
        `printf 'GET /after-move HTTP/1.0\\r\\n\\r\\n' >&3; timeout 3 cat <&3; echo "cat-exit=$?"`,
    ])
    const flows = async () =>
      (await lab.exec('router', ['conntrack', '-L', '-p', 'tcp', '--dport', '80', '-s', ip])).stdout
    await waitFor('the laptop to connect', () => client.output().includes('connected'))
    await waitFor('the established flow in conntrack', async () =>
      (await flows()).includes('ESTABLISHED')
    )
    // Direct: the flow was masqueraded to the router's WAN address.
    expect(await flows()).toContain('dst=198.51.100.2')

    const after = { ...empty(), vpn: [LAPTOP] }
    await applyChanges(before, after)
    const result = await dropConntrack(router, [ip, ip6])
    expect(result.errors).toEqual([])
    expect(result.deleted).toBeGreaterThanOrEqual(1)
    expect(await flows()).not.toContain('192.0.2.1')

    writeFileSync(trigger, '')
    await client.exited
    // Nothing of it reached the internet side: the request after the move never arrived.
    expect(client.output()).toContain('cat-exit=124')
    expect(lab.echoLog().some((e) => e.path === '/after-move')).toBe(false)
  })

  it('observes the laptop from the lease file and the neighbour table of br-lan', async () => {
    await lab.exec('laptop', ['ping', '-c', '1', '-W', '2', '192.168.50.1'], { check: true })
    const prefix = mkdtempSync(join(tmpdir(), 'lanvpn-sharing-'))
    try {
      const obs = await observeInventory(router, resolvePaths(prefix), {
        leaseFile: join(lab.stateDir, 'dhcp.leases'),
        lanDevices: ['br-lan'],
      })
      // No ubus and no /etc/config/dhcp here: neither is an error.
      expect(obs.errors).toEqual([])
      const { devices } = observeDevices(obs, {}, { monoMs: 1, wallMs: 1 })
      expect(devices.find((d) => d.mac === LAPTOP)).toMatchObject({
        hostname: 'laptop',
        ipv4: [lab.deviceIp('laptop')],
        online: true,
        privateMac: true,
      })
    } finally {
      rmSync(prefix, { recursive: true, force: true })
    }
  })

  it('is not an error when a device has no connections', async () => {
    const result = await dropConntrack(router, ['192.168.50.250', 'fd50::250'])
    expect(result).toEqual({ deleted: 0, errors: [] })
  })
})

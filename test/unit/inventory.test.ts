import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import { parseUci } from '../../applet/src/core/uci/parse'
import {
  countModes,
  FORGET_UNSEEN_MS,
  isPrivateMac,
  macsFollowingDefault,
  mergeInventory,
  observeDevices,
  type Observation,
} from '../../applet/src/core/devices/inventory'

const LAPTOP = '02:00:00:00:50:01'
const TV = '00:11:22:33:44:66'
const PHONE = '3a:11:22:33:44:77'

const obs = (over: Partial<Observation> = {}): Observation => ({
  leases: [
    { family: 4, mac: LAPTOP, ip: '192.168.50.183', hostname: 'laptop', expiresAt: 1 },
    { family: 6, mac: LAPTOP, ip: 'fd50::183', hostname: 'laptop', expiresAt: 1 },
    { family: 6, mac: null, ip: 'fd50::9', hostname: 'ghost', expiresAt: 1 },
  ],
  staticLeases: [{ name: 'tv', macs: [TV], ip: '192.168.50.20' }],
  neighbours: [
    { family: 4, ip: '192.168.50.183', mac: LAPTOP, isPresent: true },
    { family: 6, ip: 'fe80::1', mac: LAPTOP, isPresent: true },
    { family: 6, ip: 'fd50::a', mac: LAPTOP, isPresent: true },
    { family: 4, ip: '192.168.50.20', mac: TV, isPresent: false },
  ],
  wireless: [PHONE],
  ...over,
})

describe('observing devices', () => {
  it('merges leases, static leases, neighbours and wireless clients by MAC', () => {
    const { devices } = observeDevices(obs(), {}, { monoMs: 1000, wallMs: 5_000_000 })
    expect(devices.map((d) => d.mac)).toEqual([TV, LAPTOP, PHONE])
    const laptop = devices.find((d) => d.mac === LAPTOP)!
    expect(laptop).toEqual({
      mac: LAPTOP,
      hostname: 'laptop',
      ipv4: ['192.168.50.183'],
      ipv6: ['fd50::183', 'fd50::a'],
      online: true,
      lastSeenWallMs: 5_000_000,
      privateMac: true,
      wireless: false,
    })
    const tv = devices.find((d) => d.mac === TV)!
    expect(tv).toMatchObject({ hostname: 'tv', ipv4: ['192.168.50.20'], online: false })
    expect(tv.lastSeenWallMs).toBe(0)
    expect(devices.find((d) => d.mac === PHONE)).toMatchObject({ online: true, wireless: true })
  })

  it("never takes the router's own LAN MAC for a device, whichever source names it", () => {
    const ROUTER = '62:3e:51:63:f8:05'
    const own = obs({
      // What the lab's router shows: its own link-local address, with its own MAC, flagged router.
      neighbours: [
        ...obs().neighbours,
        { family: 6, ip: 'fe80::28c7:e9ff:fe13:badb', mac: ROUTER, isPresent: true },
      ],
      leases: [
        ...obs().leases,
        { family: 4, mac: ROUTER, ip: '192.168.50.1', hostname: '', expiresAt: 1 },
      ],
      staticLeases: [...obs().staticLeases, { name: 'router', macs: [ROUTER], ip: '192.168.50.1' }],
      wireless: [PHONE, ROUTER],
      ownMacs: [ROUTER],
    })
    const { devices, book } = observeDevices(own, {}, { monoMs: 1, wallMs: 1 })
    expect(devices.map((d) => d.mac)).toEqual([TV, LAPTOP, PHONE])
    expect(Object.keys(book)).not.toContain(ROUTER)
  })

  it('keeps the last sighting by the monotonic clock, so a wall-clock jump does not move it', () => {
    const first = observeDevices(obs(), {}, { monoMs: 1000, wallMs: 5_000_000 })
    // 60 s later the laptop is gone and NTP has set the wall clock forward by an hour.
    const gone = obs({ neighbours: [], wireless: [] })
    const later = observeDevices(gone, first.book, {
      monoMs: 61_000,
      wallMs: 5_000_000 + 3_660_000,
    })
    const laptop = later.devices.find((d) => d.mac === LAPTOP)!
    expect(laptop.online).toBe(false)
    expect(laptop.lastSeenWallMs).toBe(5_000_000 + 3_600_000)
  })

  it('drops a device from RAM a day after it was last seen unless a lease still names it', () => {
    const first = observeDevices(obs(), {}, { monoMs: 0, wallMs: 0 })
    const empty = { leases: [], staticLeases: [], neighbours: [], wireless: [] }
    const soon = observeDevices(empty, first.book, { monoMs: FORGET_UNSEEN_MS, wallMs: 0 })
    expect(soon.devices.map((d) => d.mac)).toEqual([LAPTOP, PHONE])
    const late = observeDevices(empty, soon.book, { monoMs: FORGET_UNSEEN_MS + 1, wallMs: 0 })
    expect(late.devices).toEqual([])
    expect(late.book).toEqual({})
  })

  it('does not change the book it was given', () => {
    const book = { [TV]: 5 }
    observeDevices(obs(), book, { monoMs: 10, wallMs: 10 })
    expect(book).toEqual({ [TV]: 5 })
  })

  it('flags locally administered (private) MACs', () => {
    expect(isPrivateMac('02:00:00:00:50:01')).toBe(true)
    expect(isPrivateMac('3a:11:22:33:44:77')).toBe(true)
    expect(isPrivateMac('00:11:22:33:44:66')).toBe(false)
  })
})

describe('joining the config', () => {
  const seen = observeDevices(obs(), {}, { monoMs: 1, wallMs: 1 }).devices
  const config = defaultConfig()
  config.globals.defaultMode = 'direct'
  config.devices = [
    {
      id: 'd_020000005001',
      mac: LAPTOP,
      mode: 'vpn',
      label: 'Work laptop',
      kind: 'laptop',
      group: '',
    },
    {
      id: 'd_001122334488',
      mac: '00:11:22:33:44:88',
      mode: 'blocked',
      label: '',
      kind: 'other',
      group: '',
    },
  ]

  it('lists configured devices that are offline and gives the others the default mode', () => {
    const list = mergeInventory(seen, config)
    expect(list.map((d) => [d.mac, d.mode, d.modeIsDefault, d.configured])).toEqual([
      ['00:11:22:33:44:88', 'blocked', false, true],
      [PHONE, 'direct', true, false],
      [TV, 'direct', true, false],
      [LAPTOP, 'vpn', false, true],
    ])
    expect(list[0]).toMatchObject({ online: false, ipv4: [], label: '' })
    expect(list[3]).toMatchObject({ label: 'Work laptop', kind: 'laptop', online: true })
  })

  it('sorts by the name people read, then MAC, whatever order the input had', () => {
    const a = mergeInventory(seen, config).map((d) => d.mac)
    const b = mergeInventory([...seen].reverse(), config).map((d) => d.mac)
    expect(b).toEqual(a)
  })

  it('marks a configured device without a mode option as following the default', () => {
    const doc = parseUci(
      `config device 'd_020000005001'\n\toption mac '${LAPTOP}'\n\toption label 'x'\n` +
        `config device 'd_001122334488'\n\toption mac '00:11:22:33:44:88'\n\toption mode 'vpn'\n`
    )
    const follows = macsFollowingDefault(doc)
    expect([...follows]).toEqual([LAPTOP])
    const laptop = mergeInventory(seen, config, follows).find((d) => d.mac === LAPTOP)!
    expect(laptop).toMatchObject({ configured: true, mode: 'direct', modeIsDefault: true })
  })

  it('counts devices per mode', () => {
    expect(countModes(mergeInventory(seen, config))).toEqual({
      vpn: 1,
      direct: 2,
      mediastreamer: 0,
      blocked: 1,
    })
  })
})

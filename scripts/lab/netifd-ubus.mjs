// The lab's stand-in for the two netifd calls lanvpn makes through `ubus` (netifd cannot be had
// here): `ubus call network.interface dump` and `ubus call network.interface.<name> status`, for
// the interfaces in the JSON map $LAB_NETIFD ({ "lan": "br-lan.1", "guest": "br-guest" }: netifd
// interface → Linux device). An interface whose addresses matter (the WAN, the modem's) is an
// object instead: { "device": "wan", "ipv4": ["198.51.100.2/24"], "gateway": "198.51.100.1",
// "ipv6": [...], "gateway6": "..." }, what its static config (or DHCP lease) gives; lab.sh up
// writes the lab's own map to $LAB_STATE/openwrt/netifd.json. As netifd (interface-ubus.c): dump
// is `{ "interface": [ { "interface": name, "up", "device", "l3_device", ... } ] }`, each entry
// the interface's status with its name added; an interface is up when its device exists;
// `l3_device`, `ipv4-address`, `ipv6-address` ({ address, mask }) and `route` (the default route:
// { target: "0.0.0.0" or "::", mask: 0, nexthop }) are only there while it is up. Known
// differences: no proto or uptime fields; the map is static (the addresses are what it says, not
// read from the device). Anything else (another object, `ubus list`) fails as ubus does for an
// object nobody registered: exit 4, "Command failed: Not found". Run by scripts/lab/bin/ubus.
import { existsSync, readFileSync } from 'node:fs'

const NOT_FOUND = 4

/** "198.51.100.2/24" → { address, mask } as netifd lists an address. */
function address(cidr) {
  const [addr, mask] = cidr.split('/')
  return { address: addr, mask: Number(mask) }
}

function status(entry) {
  const spec = typeof entry === 'string' ? { device: entry } : entry
  const up = existsSync(`/sys/class/net/${spec.device}`)
  if (!up) return { up, device: spec.device }
  const route = [
    ...(spec.gateway ? [{ target: '0.0.0.0', mask: 0, nexthop: spec.gateway }] : []),
    ...(spec.gateway6 ? [{ target: '::', mask: 0, nexthop: spec.gateway6 }] : []),
  ]
  return {
    up,
    device: spec.device,
    l3_device: spec.device,
    ...(spec.ipv4 ? { 'ipv4-address': spec.ipv4.map(address) } : {}),
    ...(spec.ipv6 ? { 'ipv6-address': spec.ipv6.map(address) } : {}),
    ...(route.length ? { route } : {}),
  }
}

function main(argv) {
  const map = JSON.parse(readFileSync(process.env.LAB_NETIFD ?? '', 'utf8'))
  const [verb, object, method] = argv
  if (verb === 'call' && object === 'network.interface' && method === 'dump') {
    const list = Object.entries(map).map(([name, dev]) => ({ interface: name, ...status(dev) }))
    return { interface: list }
  }
  const name = /^network\.interface\.(\w+)$/.exec(object ?? '')?.[1]
  if (verb === 'call' && method === 'status' && name && map[name]) return status(map[name])
  return null
}

const reply = main(process.argv.slice(2))
if (reply === null) {
  process.stderr.write('Command failed: Not found\n')
  process.exit(NOT_FOUND)
}
process.stdout.write(`${JSON.stringify(reply, null, '\t')}\n`)

// The lab's stand-in for the two netifd calls lanvpn makes through `ubus` (netifd cannot be had
// here): `ubus call network.interface dump` and `ubus call network.interface.<name> status`, for
// the interfaces in the JSON map $LAB_NETIFD ({ "lan": "br-lan.1", "guest": "br-guest" }: netifd
// interface → Linux device). As netifd (interface-ubus.c): dump is `{ "interface": [ { "interface":
// name, "up", "device", "l3_device" } ] }`, each entry the interface's status with its name added;
// an interface is up when its device exists; `l3_device` is only there while it is up. Known
// differences: no addresses, routes, proto or uptime fields; the map is static. Anything else
// (another object, `ubus list`) fails as ubus does for an object nobody registered: exit 4,
// "Command failed: Not found". Run by scripts/lab/bin/ubus.
import { existsSync, readFileSync } from 'node:fs'

const NOT_FOUND = 4

function status(device) {
  const up = existsSync(`/sys/class/net/${device}`)
  return { up, device, ...(up ? { l3_device: device } : {}) }
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

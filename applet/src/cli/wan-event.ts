// `lanvpn wan-event ifup|ifdown|ifupdate`: what the interface hotplug hook
// (/etc/hotplug.d/iface/90-lanvpn) runs when the WAN changes. One request to the daemon that says
// what happened, so MediaStreamer reads the WAN for a WAN event and not for every config change.
import { postRequest, WAN_ACTIONS, type WanAction } from '../system/requests'
import type { CliCommand } from './command'

export const wanEventCommand: CliCommand = {
  usage: `wan-event ${WAN_ACTIONS.join('|')}`,
  summary: 'Tell the daemon the WAN changed (the interface hotplug hook runs this).',
  async run(host, paths, args) {
    const action = WAN_ACTIONS.find((a) => a === args[0])
    if (args.length !== 1 || !action) {
      host.writeStderr(`usage: lanvpn ${wanEventCommand.usage}\n`)
      return 2
    }
    // No daemon: nothing to tell; its next start reads the WAN anyway.
    postRequest(host, paths, { kind: 'wan', action: action as WanAction })
    return 0
  },
}

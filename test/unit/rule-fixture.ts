// A rule by destination as the config reader gives it (core/config/rules.ts), for the unit tests:
// rule 1, direct, for everyone, matching nothing until `over` says what. Not a spec: importing it
// runs no tests.
import type { Rule } from '../../applet/src/core/config/rules'

export const rule = (over: Partial<Rule>): Rule => ({
  id: 'r',
  number: 1,
  label: 'r',
  enabled: true,
  domains: [],
  dests: [],
  ports: [],
  via: 'direct',
  group: '',
  devices: [],
  groups: [],
  ...over,
})

/** A symbol per device kind (system emoji: no font, no request); unknown kinds get `other`'s. */
const ICONS: Record<string, string> = {
  phone: '📱',
  laptop: '💻',
  desktop: '🖥️',
  tablet: '📲',
  tv: '📺',
  console: '🎮',
  speaker: '🔊',
  camera: '📷',
  iot: '💡',
  other: '🔌',
}

/** Props of a device icon. */
export type DeviceIconProps = { kind: string; label: string }

/** The icon of a device kind; `label` (the kind's name) is what a screen reader says. */
export function DeviceIcon({ kind, label }: DeviceIconProps) {
  return (
    <span class="device-icon" role="img" aria-label={label}>
      {ICONS[kind] ?? ICONS.other}
    </span>
  )
}

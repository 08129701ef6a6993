import type { ThreatType } from './types.ts';

const UPDATE =
  'Open Settings › System › Software update (iPhone: Settings › General › Software Update) and install every update.';

/** OS threats: out-of-date or unsupported software. */
export const OS_THREATS: readonly ThreatType[] = [
  {
    id: 'os.patch-outdated',
    class: 'os',
    title: 'Security patches out of date',
    defaultRisk: 'medium',
    attack: ['T1404', 'T1664'],
    description:
      'The Android security patch level is older than the tenant threshold; publicly known vulnerabilities are unpatched.',
    remediation: [
      UPDATE,
      'Restart the phone after the update and open the Riskgate app so it reports again.',
    ],
    platforms: ['android'],
  },
  {
    id: 'os.end-of-life',
    class: 'os',
    title: 'OS version no longer supported',
    defaultRisk: 'high',
    attack: ['T1404', 'T1664'],
    description: 'The OS version no longer receives security updates from its vendor.',
    remediation: [
      UPDATE,
      'If no newer version is offered, the phone is too old to stay safe: ask IT about a replacement.',
    ],
  },
  {
    id: 'os.exploited-vulnerability',
    class: 'os',
    title: 'Vulnerable to actively exploited flaws',
    defaultRisk: 'high',
    attack: ['T1404', 'T1664', 'T1658'],
    description:
      'The OS version or patch level predates a fix for vulnerabilities known to be exploited in the wild (CISA KEV, vendor advisories).',
    remediation: [
      UPDATE,
      'Until the update is installed, avoid opening links or attachments you did not expect.',
    ],
  },
  {
    id: 'os.device-end-of-life',
    class: 'os',
    title: 'Device model no longer supported',
    defaultRisk: 'medium',
    attack: ['T1404', 'T1664'],
    description: 'The device model no longer receives security updates from its manufacturer.',
    remediation: ['This phone model no longer gets security updates. Ask IT about a replacement device.'],
  },
];

/** Device threats: the device's own protections are off or broken. */
export const DEVICE_THREATS: readonly ThreatType[] = [
  {
    id: 'device.rooted',
    class: 'device',
    title: 'Device is rooted',
    defaultRisk: 'high',
    attack: ['T1404', 'T1626'],
    description: 'The Android device is rooted: apps can gain full control and bypass every OS protection.',
    remediation: [
      'Remove root access (for example uninstall Magisk) or reset the phone to factory settings.',
      'Ask IT for help if you are not sure how.',
    ],
    platforms: ['android'],
  },
  {
    id: 'device.jailbroken',
    class: 'device',
    title: 'Device is jailbroken',
    defaultRisk: 'high',
    attack: ['T1404', 'T1626'],
    description: 'The iOS device is jailbroken: code signing and sandboxing no longer protect it.',
    remediation: [
      'Restore the iPhone with the latest iOS (Settings › General › Transfer or Reset iPhone, or with a computer).',
    ],
    platforms: ['ios'],
  },
  {
    id: 'device.bootloader-unlocked',
    class: 'device',
    title: 'Bootloader unlocked',
    defaultRisk: 'medium',
    attack: ['T1398'],
    description:
      'The bootloader is unlocked: a modified system can be booted and the OS cannot vouch for itself.',
    remediation: ['Ask IT to relock the bootloader; this resets the phone, so back up your data first.'],
    platforms: ['android'],
  },
  {
    id: 'device.boot-not-verified',
    class: 'device',
    title: 'Verified boot failed',
    defaultRisk: 'high',
    attack: ['T1398'],
    description: 'Verified boot reports a state other than green: the system image may be modified.',
    remediation: ['Reinstall the official system software or reset the phone; ask IT for help.'],
    platforms: ['android'],
  },
  {
    id: 'device.selinux-permissive',
    class: 'device',
    title: 'SELinux not enforcing',
    defaultRisk: 'high',
    attack: ['T1404', 'T1629'],
    description: 'SELinux is permissive or disabled: apps are no longer kept apart by the kernel.',
    remediation: ['Reinstall the official system software or reset the phone; ask IT for help.'],
    platforms: ['android'],
  },
  {
    id: 'device.developer-options',
    class: 'device',
    title: 'Developer options on',
    defaultRisk: 'low',
    attack: ['T1458'],
    description: 'Developer options are enabled; they allow debugging and weaken some protections.',
    remediation: ['Open Settings › System › Developer options and turn the top switch off.'],
  },
  {
    id: 'device.usb-debugging',
    class: 'device',
    title: 'USB debugging on',
    defaultRisk: 'medium',
    attack: ['T1458'],
    description:
      'USB debugging is enabled: a computer the phone is plugged into can install apps and read data.',
    remediation: ['Open Settings › System › Developer options and turn off USB debugging.'],
    platforms: ['android'],
  },
  {
    id: 'device.unknown-sources',
    class: 'device',
    title: 'Installs from unknown sources allowed',
    defaultRisk: 'low',
    attack: ['T1660'],
    description: 'The device allows installing apps from outside the app store.',
    remediation: [
      'Open Settings › Apps › Special app access › Install unknown apps and turn it off for every app.',
    ],
    platforms: ['android'],
  },
  {
    id: 'device.no-screen-lock',
    class: 'device',
    title: 'No screen lock',
    defaultRisk: 'medium',
    attack: ['T1461'],
    description: 'No PIN, password, pattern or biometric protects the device.',
    remediation: ['Open Settings › Security and set a PIN or password (at least 6 digits).'],
  },
  {
    id: 'device.not-encrypted',
    class: 'device',
    title: 'Storage not encrypted',
    defaultRisk: 'high',
    attack: ['T1533'],
    description: 'Device storage is not encrypted: anyone holding the phone can read its data.',
    remediation: ['Set a screen lock, then turn on encryption in Settings › Security (Encrypt phone).'],
  },
  {
    id: 'device.attestation-failed',
    class: 'device',
    title: 'Device attestation failed',
    defaultRisk: 'high',
    attack: ['T1632', 'T1630.003'],
    description: 'Hardware attestation did not verify: the device or its OS may be modified or emulated.',
    remediation: [
      'Make sure the phone runs its official, unmodified software, then open the Riskgate app again.',
    ],
  },
  {
    id: 'device.attestation-missing',
    class: 'device',
    title: 'Device attestation missing',
    defaultRisk: 'low',
    attack: ['T1632'],
    description: 'The device sent no attestation, so its integrity claims cannot be checked.',
    remediation: ['Update the Riskgate app and open it so it can check the device again.'],
  },
  {
    id: 'device.attestation-mismatch',
    class: 'device',
    title: 'Device state contradicts attestation',
    defaultRisk: 'high',
    attack: ['T1630.003', 'T1632'],
    description:
      'What the agent reported contradicts the hardware attestation; root or jailbreak may be hidden.',
    remediation: ['Contact IT: the phone may be hiding that it was modified.'],
  },
];

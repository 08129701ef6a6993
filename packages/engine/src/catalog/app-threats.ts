import type { ThreatType } from './types.ts';

const UNINSTALL = 'Uninstall {app}: open Settings › Apps, tap {app}, then Uninstall.';
const DEVICE_ADMIN_FIRST =
  'If Uninstall is greyed out, first open Settings › Security › Device admin apps and turn {app} off.';
const CHANGE_PASSWORDS = 'From another, clean device, change the passwords of your important accounts.';

/** App threats: malicious or risky apps found by intel indicators or by rules. */
export const APP_THREATS: readonly ThreatType[] = [
  {
    id: 'app.stalkerware',
    class: 'app',
    title: 'Stalkerware app',
    defaultRisk: 'high',
    attack: ['T1430', 'T1636.004', 'T1636.002', 'T1429'],
    description:
      'A known stalkerware app is installed: covert monitoring software that shares location, messages, calls and audio with another person.',
    remediation: [
      'Someone may be monitoring this phone. If you feel unsafe, talk to a support service before removing the app: removal can alert the person who installed it.',
      DEVICE_ADMIN_FIRST,
      UNINSTALL,
      CHANGE_PASSWORDS,
    ],
  },
  {
    id: 'app.watchware',
    class: 'app',
    title: 'Monitoring app (watchware)',
    defaultRisk: 'medium',
    attack: ['T1430', 'T1636'],
    description:
      'An overt monitoring app is installed: it tracks location or activity with a visible icon, often for parental or employer control.',
    remediation: [
      'Check that you know why {app} is installed and who can see its data.',
      'If you did not agree to it, uninstall {app} from Settings › Apps.',
    ],
  },
  {
    id: 'app.spyware',
    class: 'app',
    title: 'Spyware',
    defaultRisk: 'high',
    attack: ['T1430', 'T1429', 'T1512', 'T1636', 'T1533'],
    description:
      'Indicators of surveillance spyware were found. Mercenary spyware steals messages, files, audio and location.',
    remediation: [
      'Stop using this device for work and contact your IT or security team now.',
      'Do not reset the device before the security team has looked at it: they may need the evidence.',
      CHANGE_PASSWORDS,
    ],
  },
  {
    id: 'app.trojan',
    class: 'app',
    title: 'Trojan app',
    defaultRisk: 'high',
    attack: ['T1655', 'T1407'],
    description: 'An app known as a trojan is installed: it pretends to be useful while doing harm.',
    remediation: [DEVICE_ADMIN_FIRST, UNINSTALL, CHANGE_PASSWORDS],
  },
  {
    id: 'app.banking-trojan',
    class: 'app',
    title: 'Banking trojan',
    defaultRisk: 'high',
    attack: ['T1417.002', 'T1516', 'T1636.004', 'T1582'],
    description:
      'A banking trojan is installed: it shows fake login screens over banking apps and reads SMS codes.',
    remediation: [
      DEVICE_ADMIN_FIRST,
      UNINSTALL,
      'Call your bank using the number on your card and tell them your phone had banking malware.',
      CHANGE_PASSWORDS,
    ],
  },
  {
    id: 'app.adware',
    class: 'app',
    title: 'Adware',
    defaultRisk: 'low',
    attack: ['T1643'],
    description: 'An adware app is installed: it shows intrusive ads or generates ad traffic.',
    remediation: [UNINSTALL],
  },
  {
    id: 'app.riskware',
    class: 'app',
    title: 'Riskware',
    defaultRisk: 'medium',
    attack: ['T1426', 'T1418'],
    description:
      'An app listed as riskware is installed: not malicious by itself, but it weakens the device or collects more than it needs.',
    remediation: ['If you do not need {app}, uninstall it from Settings › Apps.'],
  },
  {
    id: 'app.root-enabler',
    class: 'app',
    title: 'Root enabler',
    defaultRisk: 'high',
    attack: ['T1404'],
    description:
      'An app that exploits the system to gain root access is installed; it breaks the device security model.',
    remediation: [UNINSTALL, 'Ask IT whether the device must be reset to factory settings.'],
  },
  {
    id: 'app.malware',
    class: 'app',
    title: 'Malicious app',
    defaultRisk: 'high',
    attack: ['T1533', 'T1437'],
    description: 'An app listed as malware by a threat intelligence feed is installed.',
    remediation: [DEVICE_ADMIN_FIRST, UNINSTALL, CHANGE_PASSWORDS],
  },
  {
    id: 'app.sideloaded',
    class: 'app',
    title: 'Sideloaded app',
    defaultRisk: 'low',
    attack: ['T1660', 'T1655'],
    description:
      'An app was installed from outside a known app store; such apps skip store review and are the main way mobile malware arrives.',
    remediation: [
      'If you do not know where {app} came from, uninstall it from Settings › Apps.',
      'Install apps only from the official app store.',
    ],
  },
  {
    id: 'app.unknown-signer',
    class: 'app',
    title: 'App signed by an unknown or test key',
    defaultRisk: 'medium',
    attack: ['T1577', 'T1655'],
    description:
      'An app from outside a store is signed with a debug/test key or with a certificate the tenant does not trust; it may be a repackaged copy of a real app.',
    remediation: [
      'Uninstall {app} from Settings › Apps.',
      'If you need it, install the official version from the app store.',
    ],
  },
  {
    id: 'app.dangerous-permissions',
    class: 'app',
    title: 'App with a dangerous combination of permissions',
    defaultRisk: 'medium',
    attack: ['T1626.001', 'T1516', 'T1417.002', 'T1636.004'],
    description:
      'An app holds a combination of powers typical of banking trojans and stalkerware: it can read the screen, act for the user, read SMS or resist removal.',
    remediation: [
      'Open Settings › Accessibility and turn off {app} unless you rely on it.',
      'Open Settings › Security › Device admin apps and turn off {app}.',
      'If you do not recognise {app}, uninstall it.',
    ],
    platforms: ['android'],
  },
];

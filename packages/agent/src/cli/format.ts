import type { DeviceStatus, ReportReply } from '../sdk/wire.ts';

/** Human-readable device status: risk, compliance, and what to fix. */
export function formatStatus(status: DeviceStatus | ReportReply): string {
  const lines = [
    `device      ${status.deviceId}`,
    `risk        ${status.riskLevel}`,
    `compliance  ${status.compliance.state}`,
  ];
  for (const rule of status.compliance.failingRules) lines.push(`  failing   ${rule.rule}: ${rule.reason}`);
  if (status.labels.length > 0) lines.push(`labels      ${status.labels.join(', ')}`);
  if (status.threats.length === 0) lines.push('threats     none');
  for (const threat of status.threats) {
    lines.push(`threat      [${threat.risk}] ${threat.title}: ${threat.summary}`);
    for (const step of threat.remediation) lines.push(`  fix       ${step}`);
  }
  return `${lines.join('\n')}\n`;
}

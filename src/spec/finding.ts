/**
 * A finding is one problem (or warning) with an input, located precisely enough that a user can
 * fix it without reading our source: `path` says where (an element index and key, a JSON path in
 * a CNI config, a manifest field), `message` says what is wrong and why, and `rule` is the stable
 * code of the rule that produced it (listed in RULES below).
 */
export type Severity = 'error' | 'warning'

export interface Finding {
  readonly rule: RuleCode
  readonly severity: Severity
  /** Where: e.g. `networks[1].ips[0]`, `spec.config.plugins[0].type`, `metadata.name`. */
  readonly path: string
  readonly message: string
}

/**
 * Stable rule codes, grouped by area. Adding a code is fine; renaming one is a breaking change
 * (dashboards and alerts match on them).
 */
export const RULES = {
  // k8s.v1.cni.cncf.io/networks and v1.multus-cni.io/default-network
  'selection.syntax': 'the annotation does not parse',
  'selection.not-list': 'the JSON form must be a list',
  'selection.element-type': 'each JSON element must be an object',
  'selection.name': 'network name missing or not a DNS-1123 label',
  'selection.namespace': 'namespace not a DNS-1123 label',
  'selection.interface': 'interface name invalid for the kernel',
  'selection.ips': 'ips must be a non-empty list of IP or IP/prefix',
  'selection.mac': 'mac must be a 6-byte Ethernet address',
  'selection.cni-args': 'cni-args must be an object',
  'selection.port-mappings': 'portMappings entries invalid',
  'selection.bandwidth': 'bandwidth values invalid',
  'selection.default-route': 'default-route invalid or on more than one element',
  'selection.infiniband-guid': 'infiniband-guid must be an 8-byte GUID',
  'selection.ipam-claim-reference': 'ipam-claim-reference invalid or combined with ips',
  'selection.unknown-key': 'unknown key reserved by the spec',
  'selection.duplicate-interface': 'two selections use the same interface name',
  'selection.default-network': 'default-network must select exactly one network',
  'selection.limit': 'more selections, or a longer annotation, than the documented limits',
  // network-status
  'status.syntax': 'network-status does not parse',
  // NetworkAttachmentDefinition
  'nad.object': 'not a NetworkAttachmentDefinition object (apiVersion, kind, metadata, spec)',
  'nad.name': 'NAD name not a DNS-1123 label',
  'nad.config-json': 'spec.config is not a JSON object',
  'nad.config-schema': 'spec.config violates the CNI configuration format',
  'nad.config-name': 'CNI name differs from the NAD name',
  'nad.resource-name': 'resourceName annotation not an extended resource name',
  'nad.node-selector': 'nodeSelector annotation invalid',
  'nad.physical-network': 'physical network annotation invalid',
  'nad.in-use': 'NAD is still referenced by pods',
  // pod admission
  'pod.nad-missing': 'a selected NAD does not exist',
  'pod.namespace-unknown': 'the pod namespace labels could not be read',
  'pod.lookup-failed':
    'a NAD or namespace lookup at the API server failed (not the same as missing)',
  'pod.networks-immutable': 'the networks annotation cannot change after creation',
  'pod.network-status-forged': 'only the agent may write network-status',
  'pod.node-selector-conflict': 'a NAD node selector conflicts with the pod',
  'pod.resource-container': 'the resource-container annotation names no app container',
  'pod.shape': 'a pod field that mutation reads or writes has an unexpected type or form',
  'pod.injected-record': 'the injected-resources record annotation does not parse',
  // access policy
  'policy.denied': 'the access policy denies this network',
  'policy.isolation': 'cross-namespace reference outside the global namespaces',
  'policy.tenant-locked': 'the namespace is locked to its tenant networks',
  'policy.invalid': 'the policy ConfigMap does not validate',
  'policy.unavailable': 'the policy in force is incomplete (a broken ConfigMap, or not loaded yet)',
  'policy.ignored': 'policy ConfigMap outside the webhook namespace is ignored',
} as const

export type RuleCode = keyof typeof RULES

export function error(rule: RuleCode, path: string, message: string): Finding {
  return { rule, severity: 'error', path, message }
}

export function warning(rule: RuleCode, path: string, message: string): Finding {
  return { rule, severity: 'warning', path, message }
}

export function errorsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error')
}

export function warningsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'warning')
}

/** One line per finding, as shown in denial messages and `multinet review -o text`. */
export function formatFinding(f: Finding): string {
  return `${f.path}: ${f.message} [${f.rule}]`
}

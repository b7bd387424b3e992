import { policyConflicts } from '../policy/merge.js'
import { parsePolicyConfigMap } from '../policy/parse.js'
import { errorsOf } from '../spec/finding.js'
import { field, isObject } from '../spec/object.js'
import type { AdmissionOptions } from './options.js'
import type { AdmissionRequest } from './review.js'
import { EMPTY_VERDICT, type Verdict } from './respond.js'
import { withNamespace } from './nad.js'
import type { ClusterState } from './state.js'

/**
 * Policy ConfigMaps are validated when they are written, so that a typo can neither silently
 * open nor silently close access. ConfigMaps without the policy label are not ours: allowed
 * without a word (the chart's objectSelector normally keeps them away from us anyway).
 */
export function reviewConfigMap(
  req: AdmissionRequest,
  state: ClusterState,
  options: AdmissionOptions,
): Verdict {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return EMPTY_VERDICT
  const labels = field(field(req.object, 'metadata'), 'labels')
  if (!isObject(labels) || !(options.policyLabel in labels)) return EMPTY_VERDICT
  const parsed = parsePolicyConfigMap(withNamespace(req.object, req.namespace), {
    namespace: options.policyNamespace,
    label: options.policyLabel,
  })
  const findings = [...parsed.findings]
  // Rule and tenant names are unique across policy ConfigMaps: a refusal names its rule, and a
  // later ConfigMap must not silently shadow an earlier one's rule.
  if (parsed.applies && parsed.document && errorsOf(findings).length === 0) {
    const candidate = { name: parsed.name, document: parsed.document }
    findings.push(...policyConflicts(candidate, state.policy().documents))
  }
  const explain = parsed.applies && findings.length === 0 ? ['policy is valid'] : []
  return { ...EMPTY_VERDICT, findings, explain }
}

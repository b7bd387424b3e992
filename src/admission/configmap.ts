import { parsePolicyConfigMap } from '../policy/parse.js'
import { field, isObject } from './object.js'
import type { AdmissionOptions } from './options.js'
import type { AdmissionRequest } from './review.js'
import { EMPTY_VERDICT, type Verdict } from './respond.js'
import { withNamespace } from './nad.js'

/**
 * Policy ConfigMaps are validated when they are written, so that a typo can neither silently
 * open nor silently close access. ConfigMaps without the policy label are not ours: allowed
 * without a word (the chart's objectSelector normally keeps them away from us anyway).
 */
export function reviewConfigMap(req: AdmissionRequest, options: AdmissionOptions): Verdict {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return EMPTY_VERDICT
  const labels = field(field(req.object, 'metadata'), 'labels')
  if (!isObject(labels) || !(options.policyLabel in labels)) return EMPTY_VERDICT
  const parsed = parsePolicyConfigMap(withNamespace(req.object, req.namespace), {
    namespace: options.policyNamespace,
    label: options.policyLabel,
  })
  const explain = parsed.applies && parsed.findings.length === 0 ? ['policy is valid'] : []
  return { ...EMPTY_VERDICT, findings: parsed.findings, explain }
}

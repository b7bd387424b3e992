/**
 * `multinet audit [--policy FILE...]`: every unfinished pod against the live policy, or against
 * the live policy with proposed ConfigMaps in place, through the webhook's own validation.
 * Which pods would be refused, grouped by the rule, tenant or isolation that refuses them; exit
 * 1 when any would be, so a policy change can be gated in CI. Pods are read page by page and
 * only refusals are kept.
 */
import { stringify } from 'yaml'
import { handleReview } from '../../admission/handle.js'
import { MultinetError } from '../../errors.js'
import { metadataOf } from '../../spec/object.js'
import { EXIT, type CliIo } from '../io.js'
import { toReview } from '../review-input.js'
import type { CommandSpec } from './args.js'
import { asCreated } from './admit.js'
import { AuditCollector, formatAudit } from './audit-report.js'
import {
  compileConfigMaps,
  forEachListed,
  listNads,
  listNamespaceLabels,
  listPolicyConfigMaps,
  snapshotState,
} from './live-state.js'
import { warnNamespaces } from './networks-command.js'
import { LIST_API_VERSION } from './output.js'
import { proposePolicy, readPolicyFiles } from './policy-files.js'
import { runCommand } from './session.js'

const SPEC: CommandSpec = {
  name: 'audit',
  usage:
    'multinet audit [--policy FILE...] [-n NS] [-l SELECTOR] [--context NAME] [--kubeconfig FILE] [-o text|json|yaml]',
  intro:
    'Checks every unfinished pod (all namespaces unless -n is given) against the live policy, or against the live policy with the proposed ConfigMaps of --policy in place (each replaces the live ConfigMap of its name, or is added), exactly as the webhook would validate the pod if it were created now. Prints which pods would be refused, grouped by the rule, tenant or isolation that refuses them, then those a warn- or audit-mode rule would report. Exit status: 0 none refused, 1 some would be refused, 2 bad input (a proposed ConfigMap that does not validate), 3 the cluster could not be read.',
  keys: ['output', 'policy'],
  positionals: 0,
}

export function auditCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(SPEC, argv, io, async (s) => {
    const output = s.settings.output ?? 'text'
    if (output === 'wide') {
      throw new MultinetError('MN_ERR_USAGE', '-o must be text, json or yaml for audit, not "wide"')
    }
    const proposed = await readPolicyFiles(s.settings.policy, s.io.cwd, s.options)
    const nads = await listNads(s, s.options, undefined)
    const namespaces = await listNamespaceLabels(s)
    if (namespaces === undefined) warnNamespaces(s)
    const live = await listPolicyConfigMaps(s, s.options)
    const compiled =
      proposed.length > 0
        ? await proposePolicy(live, proposed, s.options)
        : compileConfigMaps(live, s.options)
    for (const p of compiled.problems) s.warn(`policy: ${p}`)
    const state = snapshotState(nads, namespaces, compiled.policy)
    // With a proposal, a refused pod is asked again under the live policy: was it admitted?
    const liveState =
      proposed.length > 0
        ? snapshotState(nads, namespaces, compileConfigMaps(live, s.options).policy)
        : undefined
    const ns = s.settings.namespace
    const collector = new AuditCollector()
    await forEachListed(
      s,
      {
        path: ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${ns}/pods`,
        resource: 'pods',
        namespace: ns,
      },
      {
        labelSelector: s.settings.selector,
        fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
      },
      async (pod) => {
        const m = metadataOf(pod)
        const body = toReview(asCreated(pod), 'pod', {
          namespace: m.namespace,
          username: 'multinet-audit',
          groups: [],
        })
        const { outcome } = await handleReview('validate', body, state, s.options)
        const liveAllowed =
          liveState === undefined
            ? undefined
            : outcome.allowed ||
              (await handleReview('validate', body, liveState, s.options)).outcome.allowed
        collector.add(m.namespace, m.name, outcome, liveAllowed)
      },
    )
    const summary = collector.summary()
    const sources = compiled.policy.sources
    const against =
      (sources.length > 0
        ? `policy ConfigMaps ${sources.join(', ')}`
        : 'the built-in default policy') +
      (proposed.length > 0
        ? ` (proposed: ${proposed.map((p) => `${p.name} from ${p.origin}`).join(', ')})`
        : ' (live)')
    if (output === 'text') s.io.stdout.write(formatAudit(summary, against))
    else {
      const report = {
        apiVersion: LIST_API_VERSION,
        kind: 'AuditReport',
        policy: { sources, proposed: proposed.map((p) => ({ name: p.name, file: p.origin })) },
        ...summary,
      }
      s.io.stdout.write(
        output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : stringify(report),
      )
    }
    return summary.refused > 0 ? EXIT.denied : EXIT.ok
  })
}

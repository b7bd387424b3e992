/**
 * charts/multinet through the real helm: `helm lint --strict` and `helm template` for each
 * values file of test/fixtures/chart/values, asserting the rendered objects against what
 * docs/operations.md and docs/install.md promise. The API server's view of the same manifests
 * (dry run, install, upgrade, RBAC, admission) is test/e2e/chart.test.ts.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { ANNOTATIONS_CHANGED, BINDING_CARRIES } from '../fixtures/e2e/webhook.js'
import {
  CHART_DIR,
  helm,
  hookEvents,
  KUBE_VERSION,
  kinds,
  one,
  render,
  valuesArgs,
  type K8sObject,
} from '../fixtures/chart/helm.js'
import { parsePolicyText } from '../../src/policy/parse.js'

t.setTimeout(180_000)

type Obj = Record<string, unknown>
const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (v, k) => (v === null || typeof v !== 'object' ? undefined : (v as Obj)[k]),
    o,
  )
const podSpec = (o: K8sObject): Obj => get(o, 'spec', 'template', 'spec') as Obj
const container = (o: K8sObject): Obj => (podSpec(o).containers as Obj[])[0] as Obj
const webhooks = (o: K8sObject): Obj[] => o.webhooks as Obj[]
const webhook = (o: K8sObject, name: string): Obj => {
  const found = webhooks(o).find((w) => w.name === name)
  if (found === undefined) throw new Error(`no webhook ${name} in ${o.metadata.name}`)
  return found
}
const args = (o: K8sObject): string[] => container(o).args as string[]

const VALUES_FILES = ['cert-manager', 'cert-manager-issuer', 'no-crd', 'agent-off', 'monitoring']

t.test('helm lint --strict passes with the defaults and every values file', async (t) => {
  for (const values of [[], ...VALUES_FILES.map((v) => [v])]) {
    const result = await helm([
      'lint',
      '--strict',
      '--kube-version',
      KUBE_VERSION,
      CHART_DIR,
      ...valuesArgs(values),
    ])
    t.equal(
      result.code,
      0,
      `lint ${values.join(',') || 'defaults'}: ${result.stdout}${result.stderr}`,
    )
  }
})

t.test('the defaults', async (t) => {
  const objs = await render()
  t.same(kinds(objs), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'CustomResourceDefinition',
    'DaemonSet',
    'Deployment',
    'Job',
    'MutatingWebhookConfiguration',
    'PodDisruptionBudget',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
    'ValidatingWebhookConfiguration',
  ])
  for (const o of objs) {
    t.ok(o.metadata.name.length <= 63, `${o.kind} ${o.metadata.name} fits 63`)
    if (o.kind !== 'CustomResourceDefinition') {
      t.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'multinet', `${o.kind} labelled`)
    }
  }

  t.test('webhook Deployment: 2 spread replicas, locked down, probed, draining', async (t) => {
    const d = one(objs, 'Deployment', 'multinet-webhook')
    t.equal(get(d, 'spec', 'replicas'), 2)
    const spec = podSpec(d)
    t.same(spec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    const c = container(d)
    t.same(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
    t.same(get(c, 'resources', 'requests'), { cpu: '50m', memory: '192Mi' })
    t.equal(get(c, 'readinessProbe', 'httpGet', 'path'), '/readyz')
    t.equal(get(c, 'livenessProbe', 'httpGet', 'path'), '/livez')
    t.equal(get(c, 'readinessProbe', 'httpGet', 'port'), 'health')
    t.same(get(c, 'lifecycle', 'preStop'), { sleep: { seconds: 5 } })
    t.same(spec.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'multinet',
            'app.kubernetes.io/instance': 'multinet',
            'app.kubernetes.io/component': 'webhook',
          },
        },
      },
    ])
    t.same(args(d), [
      'webhook',
      '--port=8443',
      '--health-port=8081',
      '--tls-cert-file=/etc/multinet/tls/tls.crt',
      '--tls-key-file=/etc/multinet/tls/tls.key',
      '--agent-service-accounts=multinet-system/multinet-agent',
      '--agent-require-same-node=true',
      '--shutdown-timeout-ms=20000',
      '--log-level=info',
    ])
    t.equal(get(spec, 'volumes', 0, 'secret', 'secretName'), 'multinet-webhook-tls')
    const pdb = one(objs, 'PodDisruptionBudget')
    t.equal(get(pdb, 'spec', 'maxUnavailable'), 1)
    t.same(get(pdb, 'spec', 'selector', 'matchLabels'), get(d, 'spec', 'selector', 'matchLabels'))
    const svc = one(objs, 'Service')
    t.same(
      (get(svc, 'spec', 'ports') as Obj[]).map((p) => [p.name, p.port, p.targetPort]),
      [
        ['https', 443, 'https'],
        ['metrics', 8081, 'health'],
      ],
    )
  })

  t.test('the webhook configurations are the ones docs/operations.md recommends', async (t) => {
    const v = one(objs, 'ValidatingWebhookConfiguration', 'multinet')
    const m = one(objs, 'MutatingWebhookConfiguration', 'multinet')
    t.same(
      webhooks(v).map((w) => w.name),
      [
        'nads.validate.multinet.io',
        'nad-deletes.validate.multinet.io',
        'pods.validate.multinet.io',
        'pod-updates.validate.multinet.io',
        'pod-bindings.validate.multinet.io',
        'policy.validate.multinet.io',
      ],
    )
    for (const w of [...webhooks(v), ...webhooks(m)]) {
      t.same(w.admissionReviewVersions, ['v1'], `${w.name} v1`)
      t.equal(w.sideEffects, 'None', `${w.name} sideEffects`)
      t.equal(w.matchPolicy, 'Equivalent', `${w.name} matchPolicy`)
      t.same(get(w, 'clientConfig', 'service'), {
        name: 'multinet-webhook',
        namespace: 'multinet-system',
        path: w.name === 'pods.mutate.multinet.io' ? '/mutate' : '/validate',
        port: 443,
      })
      if (w.name === 'nad-deletes.validate.multinet.io') {
        t.equal(w.failurePolicy, 'Ignore')
        t.equal(w.timeoutSeconds, 5)
      } else {
        t.equal(w.failurePolicy, 'Fail', `${w.name} fails closed`)
        t.equal(w.timeoutSeconds, 10)
      }
    }
    const podsExcluded = {
      matchExpressions: [
        {
          key: 'kubernetes.io/metadata.name',
          operator: 'NotIn',
          values: ['kube-system', 'multinet-system'],
        },
      ],
    }
    for (const w of [
      webhook(v, 'pods.validate.multinet.io'),
      webhook(v, 'pod-updates.validate.multinet.io'),
      webhook(v, 'pod-bindings.validate.multinet.io'),
      webhook(m, 'pods.mutate.multinet.io'),
    ]) {
      t.same(w.namespaceSelector, podsExcluded, `${w.name} skips kube-system and its own ns`)
    }
    for (const name of ['nads.validate.multinet.io', 'policy.validate.multinet.io']) {
      t.equal(webhook(v, name).namespaceSelector, undefined, `${name} sees every namespace`)
    }
    const updates = webhook(v, 'pod-updates.validate.multinet.io')
    t.same(get(updates, 'rules', 0, 'resources'), ['pods', 'pods/status'])
    t.same(get(updates, 'rules', 0, 'operations'), ['UPDATE'])
    // The same CEL the e2e suite proves on a real API server with the webhook stopped.
    t.same(updates.matchConditions, [
      { name: 'touches-network-annotations', expression: ANNOTATIONS_CHANGED },
    ])
    const bindings = webhook(v, 'pod-bindings.validate.multinet.io')
    t.same(get(bindings, 'rules', 0, 'resources'), ['pods/binding'])
    t.same(get(bindings, 'rules', 0, 'operations'), ['CREATE'])
    t.same(bindings.matchConditions, [
      { name: 'carries-network-annotations', expression: BINDING_CARRIES },
    ])
    t.same(get(webhook(v, 'pods.validate.multinet.io'), 'rules', 0, 'operations'), ['CREATE'])
    t.same(get(webhook(v, 'policy.validate.multinet.io'), 'objectSelector'), {
      matchExpressions: [{ key: 'multinet.io/policy', operator: 'Exists' }],
    })
    t.same(get(webhook(v, 'nad-deletes.validate.multinet.io'), 'rules', 0, 'operations'), [
      'DELETE',
    ])
    t.equal(webhook(m, 'pods.mutate.multinet.io').reinvocationPolicy, 'IfNeeded')
    t.notOk(v.metadata.annotations?.['cert-manager.io/inject-ca-from'])
  })

  t.test('certificates: a pre and a post hook job run `multinet certs`', async (t) => {
    const pre = one(objs, 'Job', 'multinet-certs-pre')
    const post = one(objs, 'Job', 'multinet-certs-post')
    t.same(hookEvents(pre), ['pre-install', 'pre-upgrade'])
    t.same(hookEvents(post), ['post-install', 'post-upgrade'])
    const common = [
      'certs',
      '--secret=multinet-webhook-tls',
      '--namespace=multinet-system',
      '--service=multinet-webhook',
      '--cluster-domain=cluster.local',
      '--key-type=ecdsa',
      '--ca-validity-days=3650',
      '--cert-validity-days=365',
      '--renew-before-days=30',
    ]
    t.same(args(pre), common, 'before: the Secret only (no webhook configuration exists yet)')
    t.same(args(post), [
      ...common,
      '--validating-webhooks=multinet',
      '--mutating-webhooks=multinet',
    ])
    t.equal(get(container(pre), 'securityContext', 'readOnlyRootFilesystem'), true)
    // Its RBAC lives only as long as the hooks do.
    for (const o of objs.filter((o) => o.metadata.name === 'multinet-certs')) {
      t.same(hookEvents(o), ['pre-install', 'pre-upgrade', 'post-install', 'post-upgrade'])
      t.equal(o.metadata.annotations?.['helm.sh/hook-weight'], '-10', `${o.kind} before the job`)
    }
  })

  t.test('the agent DaemonSet', async (t) => {
    const ds = one(objs, 'DaemonSet', 'multinet-agent')
    const spec = podSpec(ds)
    t.equal(spec.hostNetwork, true)
    t.equal(spec.hostPID, undefined, 'no host PID namespace')
    t.same(spec.tolerations, [{ operator: 'Exists' }], 'every node, tainted or not')
    t.equal(spec.priorityClassName, 'system-node-critical')
    const c = container(ds)
    t.same(c.securityContext, {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
      privileged: true,
    })
    t.same(args(ds), [
      'agent',
      '--socket=/run/multinet/agent.sock',
      '--cni-bin-dirs=/opt/cni/bin',
      '--cni-conf-dir=/etc/cni/net.d',
      '--state-dir=/var/lib/multinet',
      '--net-conf-dir=/etc/cni/multinet/net.d',
      '--shim-source=/opt/multinet/bin/multinet-cni',
      '--pod-resources-socket=/var/lib/kubelet/pod-resources/kubelet.sock',
      '--health-port=8082',
      '--health-bind-address=127.0.0.1',
      '--log-level=info',
    ])
    t.same(c.env, [
      { name: 'MULTINET_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ])
    t.same(get(c, 'readinessProbe', 'httpGet'), { host: '127.0.0.1', path: '/readyz', port: 8082 })
    const mounts = Object.fromEntries(
      (c.volumeMounts as Obj[]).map((m) => [m.mountPath, m.mountPropagation ?? m.readOnly ?? 'rw']),
    )
    t.same(mounts, {
      '/opt/cni/bin': 'rw',
      '/etc/cni/net.d': 'rw',
      '/var/lib/cni': 'rw',
      '/etc/cni/multinet/net.d': true,
      '/run/netns': 'HostToContainer',
      '/var/lib/multinet': 'rw',
      '/run/multinet': 'rw',
      '/var/lib/kubelet/pod-resources': true,
      '/tmp': 'rw',
    })
    const hostPaths = (spec.volumes as Obj[])
      .map((v) => get(v, 'hostPath', 'path'))
      .filter((p) => p !== undefined)
    t.same(hostPaths, [
      '/opt/cni/bin',
      '/etc/cni/net.d',
      '/var/lib/cni',
      '/etc/cni/multinet/net.d',
      '/run/netns',
      '/var/lib/multinet',
      '/run/multinet',
      '/var/lib/kubelet/pod-resources',
    ])
  })

  t.test('unprivileged agent: three capabilities, nothing else', async (t) => {
    const ds = one(await render({ set: ['agent.privileged=false'] }), 'DaemonSet')
    t.same(container(ds).securityContext, {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'] },
      seccompProfile: { type: 'RuntimeDefault' },
    })
  })

  t.test('uninstall: a pre-delete hook takes the node config and the shim away', async (t) => {
    const job = one(objs, 'Job', 'multinet-cleanup')
    t.same(hookEvents(job), ['pre-delete'])
    const env = Object.fromEntries(
      (container(job).env as Obj[]).map((e) => [e.name as string, e.value as string]),
    )
    t.equal(env.AGENT_DAEMONSET, 'multinet-agent')
    t.equal(
      env.AGENT_SELECTOR,
      'app.kubernetes.io/component=agent,app.kubernetes.io/instance=multinet,app.kubernetes.io/name=multinet',
    )
    const cleanup = JSON.parse(env.CLEANUP_DAEMONSET as string) as K8sObject
    const c = container(cleanup)
    t.same(c.command, [
      '/bin/sh',
      '-c',
      'rm -f "/etc/cni/net.d"/00-multinet.conflist "/opt/cni/bin"/multinet && touch /tmp/done && exec sleep infinity',
    ])
    t.same(podSpec(cleanup).tolerations, [{ operator: 'Exists' }])
    t.equal(podSpec(cleanup).hostNetwork, true, 'needs no CNI network (the shim has no agent)')
    const script = one(objs, 'ConfigMap', 'multinet-cleanup')
    t.equal(
      get(script, 'data', 'uninstall-cleanup.mjs'),
      readFileSync(new URL('files/uninstall-cleanup.mjs', `file://${CHART_DIR}`), 'utf8'),
    )
  })

  t.test('the CRD is the e2e harness file, kept on uninstall', async (t) => {
    const crd = one(objs, 'CustomResourceDefinition')
    const file = parse(
      readFileSync(`${CHART_DIR}files/crds/network-attachment-definitions.yaml`, 'utf8'),
    ) as K8sObject
    t.same(crd.spec, file.spec)
    t.equal(crd.metadata.name, 'network-attachment-definitions.k8s.cni.cncf.io')
    t.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep')
  })

  t.test('the default policy validates, and so do its commented examples', async (t) => {
    const cm = one(objs, 'ConfigMap', '00-multinet-defaults')
    t.equal(cm.metadata.labels?.['multinet.io/policy'], 'true')
    t.equal(cm.metadata.namespace, 'multinet-system')
    const text = get(cm, 'data', 'policy.yaml') as string
    const parsed = parsePolicyText(text)
    t.same(parsed.findings, [])
    t.same(parsed.document?.globalNamespaces, ['default'])
    const uncommented = text.replace(/^# ?/gm, '')
    const examples = parsePolicyText(uncommented)
    t.same(examples.findings, [], uncommented)
    t.same(
      examples.document?.rules?.map((r) => r.name),
      ['data-plane-vnfs', 'no-mgmt-for-teams'],
    )
    t.same(
      examples.document?.tenants?.map((r) => r.name),
      ['acme'],
    )
  })
})

t.test('RBAC: what each identity may do, as rendered', async (t) => {
  const objs = await render()
  const rules = (kind: string, name: string): Obj[] => one(objs, kind, name).rules as Obj[]
  const verbsOn = (rs: Obj[], resource: string): string[] =>
    rs
      .filter((r) => (r.resources as string[]).includes(resource))
      .flatMap((r) => r.verbs as string[])
  const agent = rules('ClusterRole', 'multinet-agent')
  t.same(verbsOn(agent, 'pods'), ['get', 'list', 'watch'])
  t.same(verbsOn(agent, 'pods/status'), ['patch'])
  t.same(verbsOn(agent, 'nodes'), ['get', 'patch'])
  t.same(verbsOn(agent, 'secrets'), [], 'the agent reads no Secrets')
  t.same(verbsOn(agent, 'configmaps'), [])
  const webhookCluster = rules('ClusterRole', 'multinet-webhook')
  t.same(verbsOn(webhookCluster, 'pods'), ['list'], 'the webhook writes no pods')
  t.same(verbsOn(webhookCluster, 'network-attachment-definitions'), ['get', 'list', 'watch'])
  const webhookNs = rules('Role', 'multinet-webhook')
  t.same(
    webhookNs.map((r) => [r.resourceNames ?? '*', r.verbs]),
    [
      ['*', ['list', 'watch']],
      [['multinet-policy-last-good'], ['get', 'patch']],
      ['*', ['create']],
    ],
  )
  const certsCluster = rules('ClusterRole', 'multinet-certs')
  t.same(certsCluster, [
    {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
      resourceNames: ['multinet'],
      verbs: ['get', 'patch'],
    },
  ])
})

t.test('cert-manager: a Certificate and CA injection instead of the job', async (t) => {
  const objs = await render({ values: ['cert-manager'] })
  t.equal(
    objs.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('multinet-certs')).length,
    0,
  )
  const cert = one(objs, 'Certificate', 'multinet-webhook')
  t.equal(get(cert, 'spec', 'secretName'), 'multinet-webhook-tls')
  t.same(get(cert, 'spec', 'dnsNames'), [
    'multinet-webhook',
    'multinet-webhook.multinet-system',
    'multinet-webhook.multinet-system.svc',
    'multinet-webhook.multinet-system.svc.cluster.local',
  ])
  t.same(get(cert, 'spec', 'issuerRef'), {
    name: 'multinet-ca',
    kind: 'Issuer',
    group: 'cert-manager.io',
  })
  t.equal(get(one(objs, 'Certificate', 'multinet-ca'), 'spec', 'isCA'), true)
  t.ok(get(one(objs, 'Issuer', 'multinet-selfsigned'), 'spec', 'selfSigned'))
  t.same(get(one(objs, 'Issuer', 'multinet-ca'), 'spec', 'ca'), { secretName: 'multinet-ca' })
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    t.equal(
      one(objs, kind).metadata.annotations?.['cert-manager.io/inject-ca-from'],
      'multinet-system/multinet-webhook',
    )
  }
  const own = await render({ values: ['cert-manager-issuer'] })
  t.same(
    kinds(own).filter((k) => k === 'Issuer'),
    [],
    'an existing issuer: no CA of our own',
  )
  t.same(get(one(own, 'Certificate'), 'spec', 'issuerRef'), {
    name: 'corporate-ca',
    kind: 'ClusterIssuer',
    group: 'cert-manager.io',
  })
})

t.test('no CRD, and agent off', async (t) => {
  const noCrd = await render({ values: ['no-crd'] })
  t.notOk(noCrd.some((o) => o.kind === 'CustomResourceDefinition'))
  const off = await render({ values: ['agent-off'] })
  t.notOk(off.some((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'agent'))
  t.notOk(off.some((o) => o.metadata.name === 'multinet-cleanup'))
  t.ok(
    args(one(off, 'Deployment')).includes('--agent-service-accounts=kube-system/multus'),
    'only the configured writer of network-status',
  )
})

t.test('monitoring: ServiceMonitor, PodMonitor, alerts and the dashboard', async (t) => {
  const objs = await render({ values: ['monitoring'] })
  const sm = one(objs, 'ServiceMonitor')
  t.equal(sm.metadata.labels?.release, 'prometheus')
  t.same(get(sm, 'spec', 'endpoints', 0, 'port'), 'metrics')
  t.same(get(one(objs, 'PodMonitor'), 'spec', 'podMetricsEndpoints', 0, 'port'), 'health')
  const ds = one(objs, 'DaemonSet')
  t.ok(args(ds).includes('--health-bind-address=$(HOST_IP)'))
  t.ok((container(ds).env as Obj[]).some((e) => e.name === 'HOST_IP'))
  t.ok(args(ds).includes('--physical-networks={"datacenter":"eth1"}'))
  t.equal(get(container(ds), 'readinessProbe', 'httpGet', 'host'), undefined)

  // Every metric a rule or a panel uses exists in the code that exports metrics.
  const exported = new Set(
    ['../../src/webhook/metrics.ts', '../../src/agent/metrics.ts'].flatMap((p) =>
      [
        ...readFileSync(fileURLToPath(new URL(p, import.meta.url)), 'utf8').matchAll(
          /'(multinet_[a-z_]+)'/g,
        ),
      ].map((m) => m[1] as string),
    ),
  )
  const used = (expr: string): string[] =>
    [...expr.matchAll(/\b(multinet_[a-z_]+?)(?:_bucket)?\b/g)].map((m) => m[1] as string)

  const rule = one(objs, 'PrometheusRule')
  const alerts = get(rule, 'spec', 'groups', 0, 'rules') as Obj[]
  t.same(
    alerts.map((a) => a.alert),
    [
      'MultinetCertificateExpiresSoon',
      'MultinetWatchStale',
      'MultinetPolicyInvalid',
      'MultinetInternalErrors',
    ],
  )
  t.match(alerts[0]?.expr, /- time\(\) < 1209600$/)
  t.match(alerts[1]?.expr, / > 60$/)
  t.match(alerts[3]?.expr, /code="MN_ERR_INTERNAL"/)
  t.match(alerts[0]?.expr, /\{namespace="multinet-system", job="multinet-webhook"\}/)
  t.match(get(alerts[1], 'annotations', 'description'), /\{\{ \$labels\.resource \}\}/)
  for (const a of alerts) {
    for (const metric of used(a.expr as string)) t.ok(exported.has(metric), `${metric} exported`)
  }

  const cm = one(objs, 'ConfigMap', 'multinet-dashboard')
  t.equal(cm.metadata.labels?.grafana_dashboard, '1')
  const dash = JSON.parse(get(cm, 'data', 'multinet.json') as string) as Obj
  const panels = (dash.panels as Obj[]).filter((p) => p.type !== 'row')
  t.same(
    panels.map((p) => p.title),
    [
      'Admissions/s',
      'Denied (5m)',
      'Policy errors',
      'Certificate expires in',
      'Admissions by decision',
      'Denials by rule',
      'Admission latency',
      'Watch health',
      'Attach time',
      'Detach time',
      'CNI operations',
      'Attach and detach failures',
    ],
  )
  for (const p of panels) {
    for (const target of p.targets as Obj[]) {
      const metrics = used(target.expr as string)
      t.ok(metrics.length > 0, `${p.title as string} queries a metric`)
      for (const metric of metrics) t.ok(exported.has(metric), `${metric} exported`)
    }
  }
})

t.test('names stay within 63 characters and distinct for a long release name', async (t) => {
  const release = `a-very-long-release-name-for-multinet-${'x'.repeat(15)}`
  const objs = await render({ release, set: ['agent.enabled=true'] })
  const names = objs.map((o) => `${o.kind}/${o.metadata.name}`)
  t.same(new Set(names).size, names.length, 'no two objects of a kind share a name')
  for (const o of objs) t.ok(o.metadata.name.length <= 63, `${o.metadata.name} fits`)
  for (const suffix of ['webhook', 'agent', 'cleanup', 'certs-pre', 'certs-post']) {
    t.ok(
      objs.some((o) => o.metadata.name.endsWith(`-${suffix}`)),
      `the -${suffix} suffix survives the cut`,
    )
  }
  const secret = get(podSpec(one(objs, 'Deployment')), 'volumes', 0, 'secret', 'secretName')
  t.match(secret, /^a-very-long-release-name-for-multinet-x+-webhook-tls$/)
  t.ok((secret as string).length <= 63)
})

t.test('values.schema.json refuses unknown keys and wrong types', async (t) => {
  const bad = async (set: string[]): Promise<string> => {
    const result = await helm(['template', 'x', CHART_DIR, '--kube-version', KUBE_VERSION, ...set])
    t.not(result.code, 0, `${set.join(' ')} refused`)
    return result.stderr
  }
  t.match(
    await bad(['--set', 'webhook.replicas=3']),
    /additional properties 'replicas' not allowed|replicas/,
  )
  t.match(await bad(['--set-string', 'webhook.replicaCount=two']), /replicaCount/)
  t.match(await bad(['--set', 'webhook.failurePolicy=Sometimes']), /failurePolicy/)
  t.match(await bad(['--set', 'webhook.timeoutSeconds=31']), /timeoutSeconds/)
  t.match(await bad(['--set', 'agent.healthBind=everywhere']), /healthBind/)
  t.match(await bad(['--set', 'cdrs.enabled=false']), /cdrs/)
  t.match(
    await bad(['--set', 'webhook.preStopSleepSeconds=20']),
    /terminationGracePeriodSeconds must exceed/,
  )
})

t.test('every key of values.yaml is in values.schema.json, and the other way round', async (t) => {
  const values = parse(readFileSync(`${CHART_DIR}values.yaml`, 'utf8')) as Obj
  const schema = JSON.parse(readFileSync(`${CHART_DIR}values.schema.json`, 'utf8')) as Obj
  const open = new Set([
    'commonLabels',
    'nodeSelector',
    'affinity',
    'podAnnotations',
    'podLabels',
    'podSecurityContext',
    'securityContext',
    'resources',
    'updateStrategy',
    'physicalNetworks',
    'issuerRef',
    'labels',
    'annotations',
  ])
  const walk = (v: unknown, s: Obj, path: string): void => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return
    const props = (s.properties ?? {}) as Obj
    for (const [k, child] of Object.entries(v as Obj)) {
      const sub = props[k] as Obj | undefined
      t.ok(sub, `${path}${k} is in the schema`)
      t.ok(typeof sub?.description === 'string', `${path}${k} is described`)
      if (sub !== undefined && !open.has(k)) walk(child, sub, `${path}${k}.`)
    }
    for (const k of Object.keys(props)) {
      if (k !== 'global' && !open.has(k)) t.ok(k in (v as Obj), `${path}${k} has a default`)
    }
  }
  walk(values, schema, '')
})

t.test('every argument the chart passes is one the command accepts', async (t) => {
  const { loadOptions } = await import('../../src/config/load.js')
  const { WEBHOOK_OPTIONS, checkWebhookSettings } =
    await import('../../src/config/webhook-options.js')
  const { AGENT_OPTIONS, checkAgentSettings } = await import('../../src/config/agent-options.js')
  const { CERTS_OPTIONS } = await import('../../src/config/certs-options.js')
  const readFile = (): string => {
    throw new Error('the chart passes no config file')
  }
  for (const values of [[], ['monitoring'], ['agent-off']]) {
    const objs = await render({ values })
    const webhookArgs = args(one(objs, 'Deployment')).slice(1)
    const loaded = loadOptions(WEBHOOK_OPTIONS, {
      argv: webhookArgs,
      env: { POD_NAMESPACE: 'multinet-system' },
      readFile,
    })
    if (loaded.kind !== 'config') throw new Error('webhook: help instead of a config')
    t.doesNotThrow(() => checkWebhookSettings(loaded.config))
    t.equal(loaded.config.namespace, 'multinet-system')
    t.equal(loaded.config.tlsCertFile, '/etc/multinet/tls/tls.crt')
    for (const job of objs.filter((o) => o.kind === 'Job' && o.metadata.name.includes('certs'))) {
      const certs = loadOptions(CERTS_OPTIONS, { argv: args(job).slice(1), env: {}, readFile })
      t.equal(certs.kind, 'config', `${job.metadata.name} args parse`)
    }
    const ds = objs.find((o) => o.kind === 'DaemonSet')
    if (ds === undefined) continue
    const agentArgs = args(ds)
      .slice(1)
      .map((a) => a.replace('$(HOST_IP)', '192.0.2.10'))
    const agent = loadOptions(AGENT_OPTIONS, {
      argv: agentArgs,
      env: { MULTINET_NODE_NAME: 'node-1' },
      readFile,
    })
    if (agent.kind !== 'config') throw new Error('agent: help instead of a config')
    t.doesNotThrow(() => checkAgentSettings(agent.config))
    t.equal(agent.config.nodeName, 'node-1')
    t.same(agent.config.cniBinDirs, ['/opt/cni/bin'])
    t.equal(agent.config.shimSource, '/opt/multinet/bin/multinet-cni')
  }
})

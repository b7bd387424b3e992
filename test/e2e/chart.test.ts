/**
 * charts/multinet against a real kube-apiserver: every rendered manifest passes a server-side
 * dry run; a real `helm install` and `helm upgrade`; the certificate job's work, done by its own
 * service account with exactly the chart's RBAC; what each service account may and may not do,
 * as the API server's authorizer answers; and the installed webhook configurations, with only
 * their clientConfig pointed at a locally running `multinet webhook` (which itself runs with
 * nothing but the chart's RBAC), admitting, mutating and refusing as docs/operations.md says.
 *
 * The control plane has no controllers and no kubelet: helm runs with --no-hooks (a hook Job
 * would never finish), and the hooks' work is done here, by the hooks' own identities.
 * Between install and the clientConfig swap, nothing is created that the installed webhooks
 * match, so the API server never tries the Service (a cluster IP nobody serves here).
 */
import t from 'tap'
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, createNamespace, nad, refusal } from '../fixtures/e2e/kube.js'
import { startWebhook } from '../fixtures/e2e/webhook.js'
import {
  attrs,
  can,
  createAll,
  ensureNamespace,
  SA_GROUPS,
  serviceAccountKubeconfig,
} from '../fixtures/chart/cluster.js'
import { CHART_DIR, helm, hookEvents, one, parseManifests, render } from '../fixtures/chart/helm.js'
import { installCrds } from './crd.js'
import { NAD } from './crd.js'
import { waitFor } from './net.js'

t.setTimeout(600_000)

const NS = 'multinet-system'
const RELEASE = 'multinet'
const BIN = fileURLToPath(new URL('../../bin/multinet.js', import.meta.url))
const STAND_INS = fileURLToPath(new URL('../fixtures/chart/stand-in-crds.yaml', import.meta.url))

const cp = await withControlPlane(t, { crds: false })
const admin = cp.kubeConfig('admin')
const adminFile = cp.kubeconfigFor('admin')
const work = mkdtempSync(join(tmpdir(), 'multinet-chart-e2e-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
await ensureNamespace(admin, NS)
const core = admin.makeApiClient(CoreV1Api)
const admission = admin.makeApiClient(AdmissionregistrationV1Api)

t.test('every rendered manifest passes a server-side dry run', async (t) => {
  const standIns = parseManifests(readFileSync(STAND_INS, 'utf8'))
  await installCrds(admin, standIns as never)
  const variants = [
    [],
    ['cert-manager'],
    ['cert-manager-issuer'],
    ['no-crd'],
    ['agent-off'],
    ['monitoring'],
  ]
  for (const values of variants) {
    const objects = await render({ values })
    await createAll(admin, objects, 'All')
    t.pass(`${values.join(',') || 'defaults'}: ${objects.length} objects accepted`)
  }
})

t.test('helm install --dry-run=server: another namespace, cert-manager, no CRD', async (t) => {
  await ensureNamespace(admin, 'net-admin')
  const result = await helm(
    [
      'install',
      'edge',
      CHART_DIR,
      '--namespace',
      'net-admin',
      '--dry-run=server',
      '--set',
      'certificates.certManager.enabled=true',
      '--set',
      'crds.enabled=false',
    ],
    adminFile,
  )
  t.equal(result.code, 0, result.stderr)
  const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'))
  t.match(notes, /the release namespace is "net-admin", not "multinet-system"/)
  t.match(notes, /agent identity is net-admin\/edge-multinet-agent/)
  t.match(notes, /crds\.enabled=false: the NetworkAttachmentDefinition CRD must already exist/)
  t.match(
    notes,
    /cert-manager issues "edge-multinet-webhook" into Secret "edge-multinet-webhook-tls"/,
  )
  t.match(notes, /kubectl -n net-admin edit configmap 00-multinet-defaults/)
  const manifests = parseManifests(
    result.stdout.slice(0, result.stdout.indexOf('NOTES:')).replace(/^[\s\S]*?MANIFEST:/, ''),
  )
  const deployment = one(manifests, 'Deployment', 'edge-multinet-webhook')
  t.ok(
    JSON.stringify(deployment).includes('--agent-service-accounts=net-admin/edge-multinet-agent'),
    "the webhook trusts this release's agent",
  )
})

t.test('install, certificates, access, admission, upgrade, uninstall', async (t) => {
  const install = await helm(
    ['install', RELEASE, CHART_DIR, '--namespace', NS, '--no-hooks'],
    adminFile,
  )
  t.equal(install.code, 0, install.stderr)
  t.match(install.stdout, /STATUS: deployed/)
  t.match(install.stdout, /kubectl -n multinet-system rollout status deployment\/multinet-webhook/)
  t.match(install.stdout, /kubectl -n multinet-system edit configmap 00-multinet-defaults/)

  const apps = admin.makeApiClient(AppsV1Api)
  const deployment = await apps.readNamespacedDeployment({
    name: 'multinet-webhook',
    namespace: NS,
  })
  t.equal(deployment.spec?.replicas, 2)
  await apps.readNamespacedDaemonSet({ name: 'multinet-agent', namespace: NS })
  await waitFor(
    'the chart CRD served',
    async () => {
      try {
        await admin.makeApiClient(CustomObjectsApi).listClusterCustomObject({
          group: NAD.group,
          version: NAD.version,
          plural: NAD.plural,
        })
        return true
      } catch {
        return undefined
      }
    },
    { timeoutMs: 30_000 },
  )

  const rendered = await render()
  const hookRbac = rendered.filter((o) => hookEvents(o).includes('pre-install') && o.kind !== 'Job')
  const job = (name: string): string[] =>
    (
      (one(rendered, 'Job', name).spec as { template: { spec: { containers: unknown[] } } })
        .template.spec.containers[0] as { args: string[] }
    ).args

  t.test('the certificate job, as its own service account', async (t) => {
    // Helm would create these before the job (hook weight -10) and delete them after it.
    await createAll(admin, hookRbac)
    const kubeconfig = await serviceAccountKubeconfig(cp, work, NS, 'multinet-certs')
    const run = (args: string[]) =>
      promisify(execFile)('node', [BIN, ...args, `--kubeconfig=${kubeconfig}`])
    await run(job('multinet-certs-pre'))
    const secret = await core.readNamespacedSecret({ name: 'multinet-webhook-tls', namespace: NS })
    t.equal(secret.type, 'kubernetes.io/tls')
    t.same(Object.keys(secret.data ?? {}).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])

    const post = await run(job('multinet-certs-post'))
    t.match(post.stderr, /certificates reused/)
    const ca = secret.data?.['ca.crt']
    for (const config of [
      await admission.readValidatingWebhookConfiguration({ name: RELEASE }),
      await admission.readMutatingWebhookConfiguration({ name: RELEASE }),
    ]) {
      for (const w of config.webhooks ?? [])
        t.equal(w.clientConfig.caBundle, ca, `${w.name} caBundle`)
    }
    // Idempotent: a second run (the next upgrade) changes nothing.
    const again = await run(job('multinet-certs-post'))
    t.match(again.stderr, /"result":"unchanged"/)
    const after = await core.readNamespacedSecret({ name: 'multinet-webhook-tls', namespace: NS })
    t.equal(after.metadata?.resourceVersion, secret.metadata?.resourceVersion)
  })

  t.test('each service account may do what it needs, and nothing else', async (t) => {
    const check = async (sa: string, allowed: string[], denied: string[]): Promise<void> => {
      const user = `system:serviceaccount:${NS}:${sa}`
      for (const a of allowed)
        t.ok(await can(admin, user, SA_GROUPS(NS), attrs(a)), `${sa} can ${a}`)
      for (const a of denied)
        t.notOk(await can(admin, user, SA_GROUPS(NS), attrs(a)), `${sa} cannot ${a}`)
    }
    const nads = 'network-attachment-definitions'
    await check(
      'multinet-webhook',
      [
        `list ${nads} group=k8s.cni.cncf.io`,
        `watch ${nads} group=k8s.cni.cncf.io`,
        `get ${nads} -n team-a group=k8s.cni.cncf.io`,
        'watch namespaces',
        'list pods',
        `list configmaps -n ${NS}`,
        `watch configmaps -n ${NS}`,
        `get configmaps multinet-policy-last-good -n ${NS}`,
        `patch configmaps multinet-policy-last-good -n ${NS}`,
        `create configmaps -n ${NS}`,
      ],
      [
        'create pods -n team-a',
        'update pods -n team-a',
        'patch pods -n team-a',
        'delete pods -n team-a',
        'patch pods/status -n team-a',
        'get pods -n team-a',
        `get secrets -n ${NS}`,
        'list configmaps -n team-a',
        `update configmaps 00-multinet-defaults -n ${NS}`,
        `patch configmaps 00-multinet-defaults -n ${NS}`,
        `update configmaps multinet-policy-last-good -n ${NS}`,
        `create ${nads} -n team-a group=k8s.cni.cncf.io`,
        'patch nodes',
      ],
    )
    await check(
      'multinet-agent',
      [
        'get pods -n team-a',
        'list pods',
        'watch pods',
        'patch pods/status -n team-a',
        'get nodes node-1',
        'patch nodes node-1',
        `list ${nads} group=k8s.cni.cncf.io`,
        `get ${nads} -n team-a group=k8s.cni.cncf.io`,
        'create events -n team-a',
        'create events -n team-a group=events.k8s.io',
      ],
      [
        `get secrets -n ${NS}`,
        'list secrets',
        'get secrets -n team-a',
        'update pods -n team-a',
        'patch pods -n team-a',
        'create pods -n team-a',
        'delete pods -n team-a',
        `get configmaps -n ${NS}`,
        'delete nodes node-1',
        `create ${nads} -n team-a group=k8s.cni.cncf.io`,
      ],
    )
    await check(
      'multinet-certs',
      [
        `create secrets -n ${NS}`,
        `get secrets multinet-webhook-tls -n ${NS}`,
        `update secrets multinet-webhook-tls -n ${NS}`,
        `patch validatingwebhookconfigurations ${RELEASE} group=admissionregistration.k8s.io`,
        `patch mutatingwebhookconfigurations ${RELEASE} group=admissionregistration.k8s.io`,
      ],
      [
        `get secrets other -n ${NS}`,
        `list secrets -n ${NS}`,
        `delete secrets multinet-webhook-tls -n ${NS}`,
        'create secrets -n team-a',
        `patch validatingwebhookconfigurations someone-else group=admissionregistration.k8s.io`,
        `delete validatingwebhookconfigurations ${RELEASE} group=admissionregistration.k8s.io`,
      ],
    )
  })

  t.test('helm upgrade keeps the caBundle and changes what the values change', async (t) => {
    const upgrade = await helm(
      [
        'upgrade',
        RELEASE,
        CHART_DIR,
        '--namespace',
        NS,
        '--no-hooks',
        '--set',
        'webhook.logLevel=debug',
      ],
      adminFile,
    )
    t.equal(upgrade.code, 0, upgrade.stderr)
    t.match(upgrade.stdout, /REVISION: 2/)
    const d = await apps.readNamespacedDeployment({ name: 'multinet-webhook', namespace: NS })
    t.ok(d.spec?.template.spec?.containers[0]?.args?.includes('--log-level=debug'))
    const v = await admission.readValidatingWebhookConfiguration({ name: RELEASE })
    t.ok(
      (v.webhooks ?? []).every((w) => (w.clientConfig.caBundle ?? '') !== ''),
      'the caBundle the job wrote survives the upgrade (three-way merge)',
    )
    const refused = await helm(
      [
        'upgrade',
        RELEASE,
        CHART_DIR,
        '--namespace',
        NS,
        '--no-hooks',
        '--set',
        'webhook.replicas=3',
      ],
      adminFile,
    )
    t.not(refused.code, 0, 'an unknown key is refused before anything changes')
    t.match(refused.stderr, /replicas/)
  })

  t.test('the installed webhook configurations, in front of a local webhook', async (t) => {
    // The grant goes to a user nobody is: the webhook runs as the chart's webhook service
    // account with exactly the chart's RBAC.
    const hook = await startWebhook(t, cp, 'multinet-e2e-unused-grant-target')
    const url = (path: string) => `https://127.0.0.1:${hook.port}${path}`
    const installed = {
      validating: await admission.readValidatingWebhookConfiguration({ name: RELEASE }),
      mutating: await admission.readMutatingWebhookConfiguration({ name: RELEASE }),
    }
    /** Points every webhook at the local server (url), or back at the Service as installed. */
    const swap = async (kind: 'validating' | 'mutating', to: 'url' | 'service'): Promise<void> => {
      const ops = (installed[kind].webhooks ?? []).flatMap((w, i) => [
        { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
        {
          op: 'replace',
          path: `/webhooks/${i}/clientConfig`,
          value:
            to === 'url'
              ? { url: url(w.clientConfig.service?.path ?? ''), caBundle: hook.caBundle }
              : w.clientConfig,
        },
      ])
      const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)
      if (kind === 'validating') {
        await admission.patchValidatingWebhookConfiguration({ name: RELEASE, body: ops }, options)
      } else {
        await admission.patchMutatingWebhookConfiguration({ name: RELEASE, body: ops }, options)
      }
    }
    await swap('validating', 'url')
    await swap('mutating', 'url')

    const ns = await createNamespace(admin, 'chart')
    const other = await createNamespace(admin, 'chart-other')
    const pod = (name: string, annotations: Record<string, string>): V1Pod => ({
      metadata: { name, annotations },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    })
    const create = (namespace: string, body: V1Pod) => core.createNamespacedPod({ namespace, body })

    // The configuration takes effect once the API server's informer has it: retry the first.
    const missing = await waitFor(
      'the API server calling the local webhook',
      async () => {
        const m = await refusal(
          create(ns, pod('missing', { 'k8s.v1.cni.cncf.io/networks': 'nowhere' })),
        )
        return m?.includes('.multinet.io') ? m : undefined
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    )
    // The mutating webhook runs first and already refuses a selection it cannot resolve.
    t.match(missing, /admission webhook "pods\.mutate\.multinet\.io" denied the request/)
    t.match(missing, /pod\.nad-missing/)

    const sriov = nad('sriov', { cniVersion: '1.0.0', type: 'macvlan' })
    Object.assign(sriov.metadata, {
      annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'example.com/sriov_vf' },
    })
    await createNad(admin, ns, sriov)
    const badNad = await refusal(createNad(admin, ns, nad('broken', { cniVersion: '1.0.0' })))
    t.match(badNad, /nads\.validate\.multinet\.io/)

    const mutated = await create(ns, pod('mutated', { 'k8s.v1.cni.cncf.io/networks': 'sriov' }))
    t.same(mutated.spec?.containers[0]?.resources?.requests, { 'example.com/sriov_vf': '1' })
    t.same(mutated.spec?.containers[0]?.resources?.limits, { 'example.com/sriov_vf': '1' })

    const crossNs = await refusal(
      create(other, pod('cross', { 'k8s.v1.cni.cncf.io/networks': `${ns}/sriov` })),
    )
    t.match(crossNs, /isolation/)

    const excluded = await create(NS, pod('excluded', { 'k8s.v1.cni.cncf.io/networks': 'nowhere' }))
    t.equal(excluded.metadata?.name, 'excluded', "the webhook's own namespace is never sent")

    const forged = await refusal(
      core.patchNamespacedPod(
        {
          name: 'mutated',
          namespace: ns,
          body: { metadata: { annotations: { 'k8s.v1.cni.cncf.io/network-status': '[]' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    )
    t.match(forged, /pod-updates\.validate\.multinet\.io/)
    t.match(forged, /pod\.network-status-forged/)
    const binding = await refusal(
      core.createNamespacedPodBinding({
        name: 'mutated',
        namespace: ns,
        body: {
          metadata: {
            name: 'mutated',
            annotations: { 'k8s.v1.cni.cncf.io/network-status': '[]' },
          },
          target: { kind: 'Node', name: 'node-1' },
        },
      }),
    )
    t.match(binding, /pod-bindings\.validate\.multinet\.io/)

    const badPolicy = await refusal(
      core.createNamespacedConfigMap({
        namespace: NS,
        body: {
          metadata: { name: '50-broken', labels: { 'multinet.io/policy': 'true' } },
          data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nrules: [{name: x}]\n' },
        },
      }),
    )
    t.match(badPolicy, /policy\.validate\.multinet\.io/)
    t.match(badPolicy, /policy\.invalid/)
    // An admin's edit of the chart's policy ConfigMap goes through the webhook.
    const edited = 'apiVersion: multinet.io/v1alpha1\nglobalNamespaces: [default, shared]\n'
    await core.patchNamespacedConfigMap(
      { name: '00-multinet-defaults', namespace: NS, body: { data: { 'policy.yaml': edited } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )

    // Stopped webhook: pod updates that do not touch the network annotations never reach it;
    // one that does fails closed.
    await hook.stop()
    const labelled = await core.patchNamespacedPod(
      { name: 'mutated', namespace: ns, body: { metadata: { labels: { touched: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
    t.equal(labelled.metadata?.labels?.touched, 'yes')
    const closed = await refusal(
      core.patchNamespacedPod(
        {
          name: 'mutated',
          namespace: ns,
          body: { metadata: { annotations: { 'k8s.v1.cni.cncf.io/network-status': '[]' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    )
    t.match(closed, /failed calling webhook "pod-updates\.validate\.multinet\.io"/)

    // Back to the configuration as installed (Helm's upgrade re-applies every field the chart
    // sets, clientConfig included); the next upgrade must keep the admin's policy edit. Nothing
    // the webhooks match is sent from here on.
    await swap('validating', 'service')
    await swap('mutating', 'service')
    const upgrade = await helm(
      ['upgrade', RELEASE, CHART_DIR, '--namespace', NS, '--no-hooks', '--reuse-values'],
      adminFile,
    )
    t.equal(upgrade.code, 0, upgrade.stderr)
    t.match(upgrade.stdout, /REVISION: 3/)
    const policy = await core.readNamespacedConfigMap({
      name: '00-multinet-defaults',
      namespace: NS,
    })
    t.equal(policy.data?.['policy.yaml'], edited, 'the upgrade kept the edited policy')
  })

  t.test('the uninstall hook, with the test playing the controllers', async (t) => {
    // No controllers run here, so the test does their part: it removes the agent's pods once
    // their DaemonSet is gone (the garbage collector) and reports the cleanup DaemonSet's pods
    // ready (the DaemonSet controller and the kubelets). The script itself runs as the hook's
    // service account with the hook's RBAC and environment, exactly as rendered.
    await createAll(
      admin,
      rendered.filter(
        (o) => hookEvents(o).includes('pre-delete') && !['Job', 'ConfigMap'].includes(o.kind),
      ),
    )
    const hookJob = one(rendered, 'Job', 'multinet-cleanup') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }
    }
    const env = Object.fromEntries(
      (hookJob.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    )
    const agentLabels = Object.fromEntries(
      (env.AGENT_SELECTOR ?? '').split(',').map((kv) => kv.split('=') as [string, string]),
    )
    for (const node of ['node-a', 'node-b']) {
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name: `multinet-agent-${node}`, labels: agentLabels },
          spec: { nodeName: node, containers: [{ name: 'agent', image: 'multinet:test' }] },
        },
      })
    }
    const kubeconfig = await serviceAccountKubeconfig(cp, work, NS, 'multinet-cleanup')
    const script = fileURLToPath(
      new URL('../../charts/multinet/files/uninstall-cleanup.mjs', import.meta.url),
    )
    let output = ''
    const child = spawn('node', [script], {
      env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig, TIMEOUT_SECONDS: '120', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    const status = (call: Promise<unknown>): Promise<number> =>
      call.then(
        () => 200,
        (err: { code?: number }) => err.code ?? 0,
      )
    const until = (what: string, check: () => Promise<boolean>) =>
      waitFor(
        what,
        async () => ((await check()) ? true : undefined),
        {
          timeoutMs: 60_000,
          abort: () =>
            child.exitCode !== null ? `the script exited ${child.exitCode}` : undefined,
        },
        () => output,
      )

    await until(
      'the agent DaemonSet deleted',
      async () =>
        (await status(apps.readNamespacedDaemonSet({ name: 'multinet-agent', namespace: NS }))) ===
        404,
    )
    for (const node of ['node-a', 'node-b']) {
      await core.deleteNamespacedPod({
        name: `multinet-agent-${node}`,
        namespace: NS,
        gracePeriodSeconds: 0,
      })
    }
    const cleanupName = 'multinet-node-cleanup'
    await until(
      'the cleanup DaemonSet created',
      async () =>
        (await status(apps.readNamespacedDaemonSet({ name: cleanupName, namespace: NS }))) === 200,
    )
    const ds = await apps.readNamespacedDaemonSet({ name: cleanupName, namespace: NS })
    const pod = ds.spec?.template.spec
    t.same(pod?.containers[0]?.command, [
      '/bin/sh',
      '-c',
      'rm -f "/etc/cni/net.d"/00-multinet.conflist "/opt/cni/bin"/multinet && touch /tmp/done && exec sleep infinity',
    ])
    t.same(pod?.volumes?.map((v) => v.hostPath?.path).filter(Boolean), [
      '/opt/cni/bin',
      '/etc/cni/net.d',
    ])
    t.same(pod?.tolerations, [{ operator: 'Exists' }], 'every node, tainted or not')
    await apps.replaceNamespacedDaemonSetStatus({
      name: cleanupName,
      namespace: NS,
      body: {
        ...ds,
        status: {
          currentNumberScheduled: 2,
          desiredNumberScheduled: 2,
          numberMisscheduled: 0,
          numberReady: 2,
          observedGeneration: ds.metadata?.generation ?? 1,
        },
      },
    })
    t.equal(await exited, 0, output)
    t.match(output, /node configuration and shim removed from every node/)
    t.equal(await status(apps.readNamespacedDaemonSet({ name: cleanupName, namespace: NS })), 404)
  })

  t.test('helm uninstall keeps the CRD and the policy, removes the rest', async (t) => {
    const uninstall = await helm(['uninstall', RELEASE, '--namespace', NS, '--no-hooks'], adminFile)
    t.equal(uninstall.code, 0, uninstall.stderr)
    t.match(uninstall.stdout + uninstall.stderr, /kept due to the resource policy/)
    const gone = async (call: Promise<unknown>): Promise<number> =>
      call.then(
        () => 200,
        (err: { code?: number }) => err.code ?? 0,
      )
    t.equal(await gone(admission.readValidatingWebhookConfiguration({ name: RELEASE })), 404)
    t.equal(
      await gone(apps.readNamespacedDeployment({ name: 'multinet-webhook', namespace: NS })),
      404,
    )
    t.equal(
      await gone(core.readNamespacedConfigMap({ name: '00-multinet-defaults', namespace: NS })),
      200,
    )
    const crds = await admin
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: NAD.group, version: NAD.version, plural: NAD.plural })
    t.ok(Array.isArray((crds as { items?: unknown[] }).items), 'NADs are still served')
  })
})

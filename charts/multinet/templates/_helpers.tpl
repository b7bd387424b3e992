{{/*
Names. Kubernetes object names and label values are limited to 63 characters (DNS labels), so
every name is cut at 63 and loses a trailing "-"; a component suffix is appended after cutting
the base short enough that the suffix always survives.
*/}}
{{- define "multinet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The release's base name: fullnameOverride, else the release name when it already contains the
chart name ("multinet", "multinet-prod"), else "<release>-<chart>".
*/}}
{{- define "multinet.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<suffix>", the suffix kept whole: call with (list $ "suffix"). */}}
{{- define "multinet.componentName" -}}
{{- $root := index . 0 -}}
{{- $suffix := index . 1 -}}
{{- $base := include "multinet.fullname" $root | trunc (int (sub 62 (len $suffix))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base $suffix -}}
{{- end -}}

{{- define "multinet.webhook.fullname" -}}{{ include "multinet.componentName" (list . "webhook") }}{{- end -}}
{{- define "multinet.agent.fullname" -}}{{ include "multinet.componentName" (list . "agent") }}{{- end -}}
{{- define "multinet.certs.fullname" -}}{{ include "multinet.componentName" (list . "certs") }}{{- end -}}
{{- define "multinet.cleanup.fullname" -}}{{ include "multinet.componentName" (list . "cleanup") }}{{- end -}}

{{/* The Secret holding the webhook's serving pair (written by cert-manager or the certs job). */}}
{{- define "multinet.webhook.tlsSecret" -}}{{ include "multinet.componentName" (list . "webhook-tls") }}{{- end -}}

{{/* The webhook configurations are cluster-scoped: the release name keeps two releases apart. */}}
{{- define "multinet.webhookConfiguration" -}}{{ include "multinet.fullname" . }}{{- end -}}

{{- define "multinet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "multinet.labels" -}}
helm.sh/chart: {{ include "multinet.chart" . }}
app.kubernetes.io/name: {{ include "multinet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: multinet
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: call with (list $ "webhook"). Never change on upgrade. */}}
{{- define "multinet.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "multinet.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* All labels of one component: call with (list $ "webhook"). */}}
{{- define "multinet.componentLabels" -}}
{{ include "multinet.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The image: a digest wins over the tag; the tag defaults to the chart's appVersion. */}}
{{- define "multinet.image" -}}
{{- $image := .Values.image -}}
{{- $ref := $image.repository -}}
{{- if $image.registry -}}{{- $ref = printf "%s/%s" $image.registry $image.repository -}}{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $ref $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "multinet.webhook.serviceAccountName" -}}
{{- default (include "multinet.webhook.fullname" .) .Values.webhook.serviceAccount.name -}}
{{- end -}}
{{- define "multinet.agent.serviceAccountName" -}}
{{- default (include "multinet.agent.fullname" .) .Values.agent.serviceAccount.name -}}
{{- end -}}

{{/*
Namespaces whose pods the webhooks never see: kube-system, the release's own (so the webhook's
pods can always be recreated, even while no replica answers), and any the values add.
*/}}
{{- define "multinet.excludedNamespaces" -}}
{{- $names := concat (list "kube-system" .Release.Namespace) .Values.webhook.excludedNamespaces | uniq -}}
{{- toJson $names -}}
{{- end -}}

{{/* cert-manager's CA injection: the namespaced name of the serving Certificate. */}}
{{- define "multinet.certManagerInjection" -}}
{{- if .Values.certificates.certManager.enabled }}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "multinet.webhook.fullname" .) }}
{{- end }}
{{- end -}}

{{/*
CEL: true when an UPDATE changes one of the three annotations the webhook guards
(docs/operations.md): other pod updates, kubelet status updates above all, never reach the
webhook, so they neither wait for it nor fail when it is down.
*/}}
{{- define "multinet.annotationsChanged" -}}
{{- $parts := list -}}
{{- range list "k8s.v1.cni.cncf.io/network-status" "k8s.v1.cni.cncf.io/networks" "v1.multus-cni.io/default-network" -}}
{{- $new := printf "(has(object.metadata.annotations) && '%s' in object.metadata.annotations ? object.metadata.annotations['%s'] : '')" . . -}}
{{- $old := printf "(has(oldObject.metadata.annotations) && '%s' in oldObject.metadata.annotations ? oldObject.metadata.annotations['%s'] : '')" . . -}}
{{- $parts = append $parts (printf "%s != %s" $new $old) -}}
{{- end -}}
{{- join " || " $parts -}}
{{- end -}}

{{/* CEL: true when a pods/binding carries one of the three annotations the webhook guards. */}}
{{- define "multinet.bindingCarries" -}}
{{- $parts := list -}}
{{- range list "k8s.v1.cni.cncf.io/network-status" "k8s.v1.cni.cncf.io/networks" "v1.multus-cni.io/default-network" -}}
{{- $parts = append $parts (printf "(has(object.metadata.annotations) && '%s' in object.metadata.annotations)" .) -}}
{{- end -}}
{{- join " || " $parts -}}
{{- end -}}

{{/* Names and labels. */}}
{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret the chart makes from secret values (only when some are given). */}}
{{- define "gateway.secretName" -}}
{{- include "gateway.fullname" . }}
{{- end }}

{{- define "gateway.tlsSecretName" -}}
{{- .Values.kafka.tls.existingSecret | default (printf "%s-kafka-tls" (include "gateway.fullname" .)) }}
{{- end }}

{{/*
An environment value as text: YAML numbers arrive as floats, which would print 1000000 as
"1e+06"; whole numbers print as integers.
*/}}
{{- define "gateway.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{/* Where the mounted secret files are. */}}
{{- define "gateway.kafkaTlsDir" -}}/etc/kafka-http-gateway/kafka-tls{{- end }}
{{- define "gateway.apiKeysDir" -}}/etc/kafka-http-gateway/api-keys{{- end }}

{{/*
Variables the chart sets itself (from kafka.*, ingress.port, ...) or that are secret: refused in
kafka.config and ingress.config with a line that says where they go instead.
*/}}
{{- define "gateway.checkConfig" -}}
{{- $managed := dict
  "KAFKA_BROKERS" "kafka.brokers"
  "KAFKA_SSL" "kafka.tls.enabled"
  "KAFKA_SSL_REJECT_UNAUTHORIZED" "kafka.tls.rejectUnauthorized"
  "KAFKA_SSL_CA_FILE" "kafka.tls (a Secret)"
  "KAFKA_SSL_CERT_FILE" "kafka.tls (a Secret)"
  "KAFKA_SSL_KEY_FILE" "kafka.tls (a Secret)"
  "KAFKA_SASL_MECHANISM" "kafka.sasl.mechanism"
  "KAFKA_SASL_USERNAME" "kafka.sasl.username"
  "KAFKA_SASL_PASSWORD" "kafka.sasl (a Secret)"
  "LOG_LEVEL" "logLevel"
  "PORT" "ingress.port"
  "SHUTDOWN_TIMEOUT_MS" "ingress.shutdownTimeoutSeconds"
  "INGRESS_API_KEYS" "ingress.apiKeys (a Secret)"
  "INGRESS_API_KEYS_FILE" "ingress.apiKeys (a Secret)"
  "INGRESS_CREDENTIALS_FILE" "ingress.credentials (a Secret)"
}}
{{- range $name := list "INGRESS_JWT_JWKS_URL" "INGRESS_JWT_ISSUER" "INGRESS_JWT_AUDIENCE" "INGRESS_JWT_SCOPE_CLAIM" }}
{{- if hasKey $.Values.ingress.config $name }}
{{- fail (printf "ingress.config.%s: set ingress.jwt instead" $name) }}
{{- end }}
{{- end }}
{{- with .Values.ingress.jwt }}
{{- if and .jwksUrl (not (and .issuer .audience)) }}
{{- fail "ingress.jwt.jwksUrl needs ingress.jwt.issuer and ingress.jwt.audience: tokens are checked for both" }}
{{- end }}
{{- end }}
{{- range $section, $config := dict "kafka.config" .Values.kafka.config "ingress.config" .Values.ingress.config }}
{{- range $name, $_ := $config }}
{{- if hasKey $managed $name }}
{{- fail (printf "%s.%s: set %s instead; secrets never go in a ConfigMap" $section $name (get $managed $name)) }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.ingress.config }}
{{- if and (hasKey . "INGRESS_PUBLIC_HEALTH") (not (include "gateway.envValue" .INGRESS_PUBLIC_HEALTH | regexMatch "(?i)^(true|1|yes|on)$")) }}
{{- fail "ingress.config.INGRESS_PUBLIC_HEALTH must stay true: the kubelet's probes carry no API key" }}
{{- end }}
{{- end }}
{{- if not .Values.kafka.brokers }}
{{- fail "kafka.brokers is required: the bootstrap brokers, host:port,... (--set kafka.brokers=kafka:9092)" }}
{{- end }}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.username) }}
{{- fail "kafka.sasl.username is required with kafka.sasl.mechanism" }}
{{- end }}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.existingSecret) (not .Values.kafka.sasl.password) }}
{{- fail "kafka.sasl needs a password: kafka.sasl.existingSecret (with passwordKey) or kafka.sasl.password" }}
{{- end }}
{{- $chartOptions := dict
  "topic" "topic" "target-url" "targetUrl" "group" "group" "workers" "workers"
  "health-port" "healthPort" "shutdown-timeout" "shutdownTimeoutSeconds"
  "brokers" "kafka.brokers (for every app)" "broker" "kafka.brokers (for every app)"
  "header" "headers (a Secret)" "signing-secret" "signing (a Secret)"
  "oauth2-token-url" "oauth2" "oauth2-client-id" "oauth2" "oauth2-client-secret" "oauth2 (a Secret)"
  "oauth2-client-secret-file" "oauth2 (a Secret)" "oauth2-scope" "oauth2" "oauth2-audience" "oauth2"
  "tls-cert" "clientTls (a Secret)" "tls-key" "clientTls (a Secret)" "tls-ca" "clientTls (a Secret)"
}}
{{- $names := dict }}
{{- range $entry := .Values.forwarders }}
{{- if hasKey $names $entry.name }}
{{- fail (printf "forwarders: the name %q is used twice" $entry.name) }}
{{- end }}
{{- $_ := set $names $entry.name true }}
{{- $f := include "gateway.forwarder" (dict "root" $ "forwarder" $entry) | fromJson }}
{{- range $option, $_ := $f.options }}
{{- if hasKey $chartOptions $option }}
{{- fail (printf "forwarder %s: options.%s: set %s instead" $f.name $option (get $chartOptions $option)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The TLS files in use, as name -> Secret key, with empty keys left out. */}}
{{- define "gateway.tlsFiles" -}}
{{- $tls := .Values.kafka.tls }}
{{- $files := dict }}
{{- if not $tls.enabled }}
{{- else if $tls.existingSecret }}
{{- with $tls.caKey }}{{ $_ := set $files "KAFKA_SSL_CA_FILE" . }}{{ end }}
{{- with $tls.certKey }}{{ $_ := set $files "KAFKA_SSL_CERT_FILE" . }}{{ end }}
{{- with $tls.keyKey }}{{ $_ := set $files "KAFKA_SSL_KEY_FILE" . }}{{ end }}
{{- else }}
{{- if $tls.ca }}{{ $_ := set $files "KAFKA_SSL_CA_FILE" "ca.crt" }}{{ end }}
{{- if $tls.cert }}{{ $_ := set $files "KAFKA_SSL_CERT_FILE" "tls.crt" }}{{ end }}
{{- if $tls.key }}{{ $_ := set $files "KAFKA_SSL_KEY_FILE" "tls.key" }}{{ end }}
{{- end }}
{{- toJson $files }}
{{- end }}

{{/* Pod-level settings both apps share. */}}
{{- define "gateway.podSpec" -}}
serviceAccountName: {{ include "gateway.serviceAccountName" . }}
# The apps never call the Kubernetes API.
automountServiceAccountToken: false
# No <SERVICE>_PORT variables: the apps read only the variables this chart sets.
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* Environment both apps share: the ConfigMap, and the SASL password from its Secret. */}}
{{- define "gateway.schemasDir" -}}
/etc/gateway/schemas
{{- end }}

{{- define "gateway.kafkaEnv" -}}
{{- if .Values.kafka.sasl.mechanism }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.existingSecret | default (include "gateway.secretName" .) }}
      key: {{ if .Values.kafka.sasl.existingSecret }}{{ .Values.kafka.sasl.passwordKey }}{{ else }}kafka-sasl-password{{ end }}
{{- end }}
{{- end }}

{{- define "gateway.kafkaVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if ne (include "gateway.tlsFiles" .) "{}" }}
- name: kafka-tls
  mountPath: {{ include "gateway.kafkaTlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "gateway.kafkaVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- $files := include "gateway.tlsFiles" . | fromJson }}
{{- if $files }}
- name: kafka-tls
  secret:
    secretName: {{ include "gateway.tlsSecretName" . }}
    defaultMode: 0440
    items:
      {{- range $variable, $key := $files }}
      - key: {{ $key }}
        path: {{ $key }}
      {{- end }}
{{- end }}
{{- end }}

{{/* Scrape annotations for a pod serving /metrics on the given port. */}}
{{- define "gateway.scrapeAnnotations" -}}
{{- if .root.Values.metrics.scrapeAnnotations -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{/* A forwarder's settings: forwarderDefaults, overridden by its own entry. */}}
{{- define "gateway.forwarder" -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.forwarderDefaults) (deepCopy .forwarder) }}
{{- toJson $merged }}
{{- end }}

{{/* terminationGracePeriodSeconds of the ingress: see ingress.shutdownTimeoutSeconds in values.yaml. */}}
{{- define "gateway.ingressGracePeriod" -}}
{{- add .Values.ingress.preStopSeconds .Values.ingress.shutdownTimeoutSeconds 10 5 }}
{{- end }}

{{/* terminationGracePeriodSeconds of a forwarder: see forwarderDefaults.shutdownTimeoutSeconds. */}}
{{- define "gateway.forwarderGracePeriod" -}}
{{- $requestTimeoutMs := .root.Values.kafka.config.KAFKA_REQUEST_TIMEOUT_MS | default 10000 | int }}
{{- add .forwarder.shutdownTimeoutSeconds 5 (div (add $requestTimeoutMs 999) 1000) 5 }}
{{- end }}

{{- define "gateway.credentialsDir" -}}/etc/kafka-http-gateway/credentials{{- end }}

{{/* The API key file's name in its Secret (and in the mounted folder). */}}
{{- define "gateway.apiKeysFile" -}}
{{- if .Values.ingress.apiKeys.existingSecret }}{{ .Values.ingress.apiKeys.key }}{{ else }}ingress-api-keys{{ end }}
{{- end }}

{{/* NOTES.txt, as a template the tests can render with helm template (NOTES.txt itself only shows on install). */}}
{{- define "gateway.notes" -}}
{{- if .Values.ingress.enabled }}
The ingress answers inside the cluster at
  http://{{ include "gateway.fullname" . }}-ingress.{{ .Release.Namespace }}.svc:{{ .Values.ingress.service.port }}/produce
Try it from your machine:
  kubectl -n {{ .Release.Namespace }} port-forward svc/{{ include "gateway.fullname" . }}-ingress 6969:{{ .Values.ingress.service.port }}
  curl -s localhost:6969/produce -H 'content-type: application/json' -d '{"topic":"<topic>","payload":{"hello":"world"}}'
{{- if or .Values.ingress.apiKeys.existingSecret .Values.ingress.apiKeys.keys .Values.ingress.credentials.existingSecret .Values.ingress.jwt.jwksUrl }}
  (add -H 'Authorization: Bearer <an API key or token>': every request but health, metrics and docs needs one)
{{- end }}
{{- if and .Values.metrics.scrapeAnnotations (hasKey .Values.ingress.config "INGRESS_PUBLIC_METRICS") (not (include "gateway.envValue" .Values.ingress.config.INGRESS_PUBLIC_METRICS | regexMatch "(?i)^(true|1|yes|on)$")) }}
  WARNING: INGRESS_PUBLIC_METRICS is false, so the ingress answers a scrape without an API key with 401:
  give Prometheus a key (Authorization: Bearer) or set metrics.scrapeAnnotations=false.
{{- end }}
{{- end }}
{{- range $entry := .Values.forwarders }}
{{- $f := include "gateway.forwarder" (dict "root" $ "forwarder" $entry) | fromJson }}

Forwarder {{ $f.name }}: {{ $f.topic }} -> {{ $f.targetUrl }} (group {{ $f.group }}, {{ $f.replicaCount }} replica(s))
  kubectl -n {{ $.Release.Namespace }} logs deploy/{{ include "gateway.fullname" $ }}-fwd-{{ $f.name }} -f
{{- if and (hasKey $f "partitions") (gt (int $f.replicaCount) (int $f.partitions)) }}
  WARNING: {{ $f.replicaCount }} replicas for {{ $f.partitions }} partitions: a consumer group gives each partition to one
  member, so {{ sub (int $f.replicaCount) (int $f.partitions) }} replica(s) will sit idle. Lower replicaCount or add partitions to {{ $f.topic }}.
{{- else if not (hasKey $f "partitions") }}
  Replicas beyond the partition count of {{ $f.topic }} sit idle (set partitions: to have this checked).
{{- end }}
{{- end }}

{{- end }}

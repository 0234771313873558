{{/*
Names and labels.
*/}}
{{- define "tempura.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tempura.fullname" -}}
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

{{/* The Secret of the admin API's bearer token: the one named, else the one the chart makes. */}}
{{- define "tempura.adminTokenSecret" -}}
{{- .Values.admin.tokenSecret.name | default (printf "%s-admin-token" (include "tempura.fullname" .)) -}}
{{- end }}

{{/*
Exactly one source of the admin token (values.schema.json says the same; this also holds when the
schema is skipped): an existing Secret, the token as a value, or a generated one kept by lookup.
*/}}
{{- define "tempura.checkAdminToken" -}}
{{- $sources := 0 -}}
{{- if .Values.admin.tokenSecret.name }}{{ $sources = add1 $sources }}{{ end -}}
{{- if .Values.admin.token }}{{ $sources = add1 $sources }}{{ end -}}
{{- if .Values.admin.tokenSecret.generate }}{{ $sources = add1 $sources }}{{ end -}}
{{- if ne (int $sources) 1 -}}
{{- fail "the admin API needs exactly one token source: admin.tokenSecret.name (an existing Secret, stable under helm template), admin.token (the chart makes the Secret from it) or admin.tokenSecret.generate=true (random, kept by lookup: helm install/upgrade only)" -}}
{{- end -}}
{{- end -}}

{{/* The claim that holds /data on the embedded store, or nothing for an emptyDir. */}}
{{- define "tempura.dataClaim" -}}
{{- if and (include "tempura.embeddedStore" .) .Values.persistence.enabled -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "tempura.fullname" .)) -}}
{{- end -}}
{{- end -}}

{{- define "tempura.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tempura.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tempura.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tempura.labels" -}}
helm.sh/chart: {{ include "tempura.chart" . }}
{{ include "tempura.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tempura.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tempura.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tempura.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) -}}
{{- end -}}

{{/*
Whether the pods use the embedded store (no Redis URI, no Secret, or the URI "embedded").
*/}}
{{- define "tempura.embeddedStore" -}}
{{- if and (not .Values.store.existingSecret) (or (not .Values.store.uri) (eq (toString .Values.store.uri) "embedded")) -}}
true
{{- end -}}
{{- end -}}

{{/*
The JVM's processor count (JAVA_PROCESSORS): jvm.processors when set, else the CPU request rounded
up to whole cores, at least 1. Handles both Kubernetes forms: millicores ("500m", "1500m") and
cores ("1", "1.5", 2). Empty when neither is given, and then the JVM counts for itself.
*/}}
{{- define "tempura.jvmProcessors" -}}
{{- if .Values.jvm.processors -}}
{{- .Values.jvm.processors | toString -}}
{{- else -}}
{{- $cpu := toString (dig "requests" "cpu" "" (.Values.resources | default dict)) -}}
{{- if $cpu -}}
{{- if hasSuffix "m" $cpu -}}
{{- $milli := trimSuffix "m" $cpu | int64 -}}
{{- max 1 (div (add $milli 999) 1000) -}}
{{- else -}}
{{- max 1 (ceil (float64 $cpu) | int64) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

#!/usr/bin/env bash
# Checks the Helm chart in deploy/helm/tempura without network access.
#
#   deploy/helm/check.sh            # from anywhere; exits non-zero on the first failing check
#
# Always (python3, standard library only):
#   - Chart.yaml and values.yaml parse as YAML (with PyYAML when it is importable, else with the
#     small block-YAML reader below, which covers what these files use) and Chart.yaml has the
#     fields Helm requires;
#   - every template has balanced {{ }} delimiters and /* */ comments, and its if/range/with/define/
#     block actions are closed by an {{ end }} in the right order (else only inside if/with/range);
#   - every .Values path a template reads exists in values.yaml down to its last key (the last key
#     may be absent, for optional settings such as resources.limits.cpu).
# When a `helm` binary is on the PATH (or given as HELM=/path/to/helm), also:
#   - helm lint --strict, and helm template with the defaults (plus the one required value, an
#     admin token source) and with each optional feature on; the defaults render one replica on
#     the embedded store, on a PersistentVolumeClaim, replaced with Recreate;
#   - an admin token given as a value renders the same Secret every time;
#   - what must be refused is: no admin token source, two of them, two replicas on the embedded
#     store;
#   - JAVA_PROCESSORS comes out as the CPU request rounded up, for "500m", "1500m", "2" and 1.5.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chart="$here/tempura"

python3 - "$chart" <<'PY'
import json
import os
import re
import sys

chart = sys.argv[1]
errors = []


def fail(path, msg):
    errors.append(f"{os.path.relpath(path, chart)}: {msg}")


# ---------------------------------------------------------------------------------------------
# A reader for block-style YAML: mappings, sequences, plain and quoted scalars, flow [] and {},
# block scalars (| and >), comments. Enough to tell whether our values and Chart files are well
# formed and to look paths up in them; anchors, tags and multi-document files are refused.
# ---------------------------------------------------------------------------------------------
class YamlError(Exception):
    pass


def strip_comment(text):
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or text[i - 1] in " \t[{,:-"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    if quote:
        raise YamlError(f"unterminated {quote} string")
    return text.rstrip()


def scalar(text):
    text = text.strip()
    if text == "":
        return None
    if text[0] in "[{":
        value, rest = flow(text, 0)
        if text[rest:].strip():
            raise YamlError(f"text after a flow collection: {text[rest:]!r}")
        return value
    if text[0] == '"':
        if len(text) < 2 or not text.endswith('"'):
            raise YamlError(f"bad double-quoted string {text!r}")
        return json.loads(text)
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise YamlError(f"bad single-quoted string {text!r}")
        return text[1:-1].replace("''", "'")
    if text[0] in "&*!%@`|>":
        raise YamlError(f"unsupported YAML construct {text!r}")
    if text in ("null", "~", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", text):
        return float(text)
    return text


def flow(text, i):
    """Parses a flow collection or scalar starting at text[i]; returns (value, next index)."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        raise YamlError("unterminated flow collection")
    ch = text[i]
    if ch in "[{":
        close = "]" if ch == "[" else "}"
        items = [] if ch == "[" else {}
        i += 1
        while True:
            while i < len(text) and text[i] == " ":
                i += 1
            if i >= len(text):
                raise YamlError(f"unterminated {ch}")
            if text[i] == close:
                return items, i + 1
            if isinstance(items, list):
                value, i = flow(text, i)
                items.append(value)
            else:
                key, i = flow(text, i)
                while i < len(text) and text[i] == " ":
                    i += 1
                if i >= len(text) or text[i] != ":":
                    raise YamlError(f"missing ':' in flow mapping {text!r}")
                value, i = flow(text, i + 1)
                if key in items:
                    raise YamlError(f"duplicate key {key!r}")
                items[key] = value
            while i < len(text) and text[i] == " ":
                i += 1
            if i < len(text) and text[i] == ",":
                i += 1
            elif i < len(text) and text[i] != close:
                raise YamlError(f"expected ',' or {close!r} in {text!r}")
    if ch in "\"'":
        j = i + 1
        while j < len(text):
            if text[j] == ch and not (ch == '"' and text[j - 1] == "\\"):
                if ch == "'" and j + 1 < len(text) and text[j + 1] == "'":
                    j += 2
                    continue
                return scalar(text[i : j + 1]), j + 1
            j += 1
        raise YamlError(f"unterminated string in {text!r}")
    j = i
    while j < len(text) and text[j] not in ",]}" and not (text[j] == ":" and (j + 1 == len(text) or text[j + 1] == " ")):
        j += 1
    return scalar(text[i:j]), j


def split_key(text):
    """'key: value' -> (key, value) or None when the text is not a mapping entry."""
    if text[0] in "\"'":
        end = text.find(text[0], 1)
        while text[0] == "'" and end != -1 and end + 1 < len(text) and text[end + 1] == "'":
            end = text.find("'", end + 2)
        if end == -1:
            raise YamlError(f"unterminated key {text!r}")
        key, rest = scalar(text[: end + 1]), text[end + 1 :]
        if not rest.startswith(":") or (len(rest) > 1 and rest[1] != " "):
            return None
        return key, rest[1:].strip()
    m = re.match(r"([^\s#'\"\[\]{},][^#]*?):(?: |$)(.*)$", text)
    if not m:
        return None
    return m.group(1).strip(), m.group(2).strip()


def load_yaml(source):
    lines = []  # (indent, text, line number, raw)
    raw = source.split("\n")
    n = 0
    while n < len(raw):
        line = raw[n]
        n += 1
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise YamlError(f"line {n}: tab in indentation")
        if line.strip() in ("---", "...") and not lines:
            continue
        if line.strip() == "---":
            raise YamlError(f"line {n}: more than one document")
        text = strip_comment(line) if line.strip() else ""
        if not text.strip():
            continue
        indent = len(text) - len(text.lstrip(" "))
        lines.append([indent, text.strip(), n, None])
        # a block scalar takes every following line indented deeper than its key
        if re.search(r"(^|: |- )[|>][-+]?[0-9]?$", text.strip()):
            body = []
            while n < len(raw) and (not raw[n].strip() or len(raw[n]) - len(raw[n].lstrip(" ")) > indent):
                body.append(raw[n])
                n += 1
            # clip chomping keeps the last line break only if the source has one there
            lines[-1][3] = body
            lines[-1].append(n < len(raw) or source.endswith("\n"))
    pos = [0]

    def block_scalar(style, body, final_break):
        present = [b for b in body if b.strip()]
        if not present:
            return ""
        cut = min(len(b) - len(b.lstrip(" ")) for b in present)
        text = "\n".join(b[cut:] for b in body).rstrip("\n")
        if style.startswith(">"):
            text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
        return text if style.endswith("-") or not final_break else text + "\n"

    def value_of(rest, line):
        m = re.fullmatch(r"([|>][-+]?)[0-9]?", rest)
        if m:
            return block_scalar(m.group(1), line[3] or [], line[4] if len(line) > 4 else True)
        return scalar(rest)

    def parse(indent):
        first = lines[pos[0]]
        if first[0] != indent:
            raise YamlError(f"line {first[2]}: unexpected indentation")
        if first[1] == "-" or first[1].startswith("- "):
            return parse_seq(indent)
        return parse_map(indent)

    def nested(parent_indent, line, allow_same_indent_seq):
        if pos[0] < len(lines):
            nxt = lines[pos[0]]
            if nxt[0] > parent_indent:
                return parse(nxt[0])
            if allow_same_indent_seq and nxt[0] == parent_indent and (nxt[1] == "-" or nxt[1].startswith("- ")):
                return parse_seq(parent_indent)
        return None

    def parse_map(indent):
        result = {}
        while pos[0] < len(lines) and lines[pos[0]][0] == indent:
            line = lines[pos[0]]
            if line[1] == "-" or line[1].startswith("- "):
                break
            kv = split_key(line[1])
            if kv is None:
                raise YamlError(f"line {line[2]}: expected 'key: value', got {line[1]!r}")
            key, rest = kv
            if key in result:
                raise YamlError(f"line {line[2]}: duplicate key {key!r}")
            pos[0] += 1
            result[key] = value_of(rest, line) if rest else nested(indent, line, True)
        if pos[0] < len(lines) and lines[pos[0]][0] > indent:
            bad = lines[pos[0]]
            raise YamlError(f"line {bad[2]}: unexpected indentation")
        return result

    def parse_seq(indent):
        result = []
        while pos[0] < len(lines) and lines[pos[0]][0] == indent and (lines[pos[0]][1] == "-" or lines[pos[0]][1].startswith("- ")):
            line = lines[pos[0]]
            rest = line[1][1:].strip()
            if not rest:
                pos[0] += 1
                result.append(nested(indent, line, False))
                continue
            kv = None if rest[0] in "[{" else split_key(rest)
            if kv is None:
                pos[0] += 1
                result.append(value_of(rest, line))
                continue
            # "- key: value" opens a mapping whose other keys sit under the key's column
            inner = indent + (len(line[1]) - len(rest))
            line[0], line[1] = inner, rest
            result.append(parse_map(inner))
        if pos[0] < len(lines) and lines[pos[0]][0] > indent:
            bad = lines[pos[0]]
            raise YamlError(f"line {bad[2]}: unexpected indentation")
        return result

    if not lines:
        return None
    doc = parse(lines[0][0])
    if pos[0] != len(lines):
        raise YamlError(f"line {lines[pos[0]][2]}: unexpected indentation")
    return doc


pyyaml = None
if os.environ.get("CHECK_YAML_READER") != "builtin":
    try:
        import yaml as pyyaml  # type: ignore
    except ImportError:
        pass


def read_yaml(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        if pyyaml is not None:
            return pyyaml.safe_load(text)
        return load_yaml(text)
    except Exception as e:  # YamlError, ValueError, or PyYAML's YAMLError
        fail(path, f"not valid YAML: {e}")
        return None


# --- Chart.yaml and values.yaml ---------------------------------------------------------------
chart_yaml = read_yaml(os.path.join(chart, "Chart.yaml"))
if chart_yaml is not None:
    for field in ("apiVersion", "name", "version"):
        if not chart_yaml.get(field):
            fail(os.path.join(chart, "Chart.yaml"), f"missing {field}")
    if chart_yaml.get("apiVersion") != "v2":
        fail(os.path.join(chart, "Chart.yaml"), "apiVersion must be v2 (Helm 3+)")
    if not re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", str(chart_yaml.get("version", ""))):
        fail(os.path.join(chart, "Chart.yaml"), "version must be SemVer 2")
values = read_yaml(os.path.join(chart, "values.yaml"))
if values is not None and not isinstance(values, dict):
    fail(os.path.join(chart, "values.yaml"), "must be a mapping")
    values = None

# --- templates -------------------------------------------------------------------------------
OPENERS = {"if", "range", "with", "define", "block"}
tdir = os.path.join(chart, "templates")
templates = sorted(
    os.path.join(tdir, f) for f in os.listdir(tdir) if f.endswith((".yaml", ".yml", ".tpl", ".txt"))
)
if not templates:
    fail(tdir, "no templates")
value_paths = set()
for path in templates:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count("{{") != text.count("}}"):
        fail(path, f"{text.count('{{')} '{{{{' but {text.count('}}')} '}}}}'")
        continue
    stack = []
    i = 0
    ok = True
    while True:
        start = text.find("{{", i)
        if start == -1:
            if "}}" in text[i:]:
                fail(path, f"'}}}}' without '{{{{' at line {text.count(chr(10), 0, i + text[i:].find('}}')) + 1}")
                ok = False
            break
        line = text.count("\n", 0, start) + 1
        if "}}" in text[i:start]:
            fail(path, f"'}}}}' without '{{{{' before line {line}")
            ok = False
            break
        end = text.find("}}", start + 2)
        if end == -1:
            fail(path, f"'{{{{' at line {line} is never closed")
            ok = False
            break
        action = text[start + 2 : end]
        if "{{" in action:
            fail(path, f"'{{{{' at line {line} opens again before it is closed")
            ok = False
            break
        action = action.strip("-").strip()
        i = end + 2
        if action.startswith("/*"):
            if not action.endswith("*/"):
                fail(path, f"comment at line {line} is not closed by '*/' before '}}}}'")
                ok = False
            continue
        # string literals ("..." and `...`) may hold anything, comment markers and braces included
        bare = re.sub(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`', '""', action)
        if bare.count('"') % 2 or bare.count("`"):
            fail(path, f"unterminated string in the action at line {line}")
            ok = False
            continue
        if "/*" in bare or "*/" in bare:
            fail(path, f"comment markers inside an action at line {line}")
            ok = False
            continue
        for ref in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", action):
            value_paths.add((ref[1:], path, line))
        word = action.split(None, 1)[0] if action else ""
        if word in OPENERS:
            stack.append((word, line))
        elif word == "else":
            if not stack or stack[-1][0] not in ("if", "with", "range"):
                fail(path, f"'else' at line {line} outside if/with/range")
                ok = False
        elif word == "end":
            if not stack:
                fail(path, f"'end' at line {line} closes nothing")
                ok = False
            else:
                stack.pop()
    if ok and stack:
        fail(path, "unclosed " + ", ".join(f"'{w}' (line {l})" for w, l in stack))

# --- .Values paths --------------------------------------------------------------------------
if values is not None:
    for dotted, path, line in sorted(value_paths):
        node = values
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            if isinstance(node, dict) and part in node:
                node = node[part]
                continue
            last = depth == len(parts) - 1
            if not (last and isinstance(node, dict) and depth > 0):
                fail(path, f"line {line}: .Values.{dotted} is not in values.yaml")
            break

if errors:
    for e in errors:
        print(f"check.sh: {e}", file=sys.stderr)
    sys.exit(1)
parser = "PyYAML" if pyyaml else "built-in reader"
print(f"chart structure ok: Chart.yaml, values.yaml ({parser}), {len(templates)} templates, "
      f"{len(value_paths)} .Values references")
PY

helm="${HELM:-$(command -v helm || true)}"
if [[ -z "$helm" ]]; then
  echo "helm not found: skipped lint and rendering (set HELM=/path/to/helm to include them)"
  exit 0
fi

# the defaults need exactly one admin token source (values.yaml, admin); an existing Secret here
token=(--set admin.tokenSecret.name=tempura-admin)
"$helm" lint --strict "$chart" "${token[@]}" >/dev/null
render() { "$helm" template check "$chart" "$@"; }
refused() {
  local why="$1"
  shift
  if render "$@" >/dev/null 2>&1; then
    echo "check.sh: rendered $why; the chart must refuse it" >&2
    exit 1
  fi
}
defaults="$(render "${token[@]}")"
# the defaults: one replica on the embedded store, on a claim the chart makes, replaced with Recreate
for want in "replicas: 1" "type: Recreate" "kind: PersistentVolumeClaim" "claimName: check-tempura-data"; do
  if ! grep -qF "$want" <<<"$defaults"; then
    echo "check.sh: the defaults do not render '$want'" >&2
    exit 1
  fi
done
render --set serviceMonitor.enabled=true --set service.headless.enabled=true \
  --set config.some-setting=x --set jvm.extraOpts=-XX:+UseG1GC \
  --set store.existingSecret=tempura-redis --set replicaCount=3 "${token[@]}" >/dev/null
render --set replicaCount=1 --set store.uri=embedded --set persistence.enabled=false "${token[@]}" >/dev/null
render --set admin.tokenSecret.generate=true >/dev/null
# a token given as a value renders the same Secret every time (helm template, GitOps)
if [[ "$(render --set admin.token=abc123)" != "$(render --set admin.token=abc123)" ]]; then
  echo "check.sh: admin.token rendered differently twice" >&2
  exit 1
fi
refused "no admin token source"
refused "two admin token sources" --set admin.token=abc123 "${token[@]}"
refused "two replicas on the embedded store" --set replicaCount=2 "${token[@]}"
for pair in 500m:1 1500m:2 2:2 1.5:2; do
  cpu="${pair%%:*}" want="${pair##*:}"
  got="$(render --set-string "resources.requests.cpu=$cpu" "${token[@]}" |
    sed -n '/name: JAVA_PROCESSORS/{n;s/.*value: "\(.*\)"/\1/p;}')"
  if [[ "$got" != "$want" ]]; then
    echo "check.sh: CPU request $cpu gave JAVA_PROCESSORS '$got', want $want" >&2
    exit 1
  fi
done
echo "helm lint and rendering ok ($("$helm" version --short 2>/dev/null || echo helm))"

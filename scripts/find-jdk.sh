# Sourced by ./dualproc and ./test: finds a JDK (java + javac) of version >= DUALPROC_MIN_JAVA (25).
# Search order: $JAVA_HOME, `java` on PATH, then every JDK under ${DUALPROC_JVM_DIR:-/usr/lib/jvm} (newest first).
# On success sets DUALPROC_JDK (its home) and DUALPROC_JDK_VERSION; on failure prints what it needs and returns 2.

DUALPROC_MIN_JAVA=25

# Prints "<major> <java.home>" of the java binary $1, or nothing when it does not run.
dualproc_java_props() {
  local props major home
  props="$("$1" -XshowSettings:properties -version 2>&1)" || return 1
  major="$(printf '%s\n' "$props" | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)"
  home="$(printf '%s\n' "$props" | sed -n 's/^ *java\.home = //p' | head -n 1)"
  major="${major#1.}"          # Java 8 says 1.8
  [[ "$major" =~ ^[0-9]+$ && -n "$home" ]] || return 1
  printf '%s %s\n' "$major" "$home"
}

# Accepts the JDK whose java binary is $1 when it is new enough and has javac beside it.
dualproc_try_java() {
  local bin="$1" out major home
  [[ -x "$bin" ]] || return 1
  out="$(dualproc_java_props "$bin")" || { DUALPROC_JDK_SEEN+=("$bin (does not run)"); return 1; }
  major="${out%% *}"; home="${out#* }"
  if (( major < DUALPROC_MIN_JAVA )); then DUALPROC_JDK_SEEN+=("$home (Java $major)"); return 1; fi
  if [[ ! -x "$home/bin/javac" ]]; then DUALPROC_JDK_SEEN+=("$home (Java $major, a JRE without javac)"); return 1; fi
  DUALPROC_JDK="$home"; DUALPROC_JDK_VERSION="$major"
  return 0
}

find_jdk() {
  DUALPROC_JDK_SEEN=()
  DUALPROC_JDK=""; DUALPROC_JDK_VERSION=""
  if [[ -n "${JAVA_HOME:-}" ]] && dualproc_try_java "$JAVA_HOME/bin/java"; then return 0; fi
  local onpath
  onpath="$(command -v java 2>/dev/null || true)"
  if [[ -n "$onpath" ]] && dualproc_try_java "$onpath"; then return 0; fi
  local dir="${DUALPROC_JVM_DIR:-/usr/lib/jvm}" candidate best="" best_major=0
  if [[ -d "$dir" ]]; then
    # the newest acceptable JDK wins (names do not sort by version: temurin-25-jdk vs java-17-openjdk)
    while IFS= read -r candidate; do
      if dualproc_try_java "$candidate/bin/java" && (( DUALPROC_JDK_VERSION > best_major )); then
        best="$DUALPROC_JDK"; best_major="$DUALPROC_JDK_VERSION"
      fi
    done < <(find "$dir" -mindepth 1 -maxdepth 1 \( -type d -o -type l \) 2>/dev/null | sort)
    if [[ -n "$best" ]]; then DUALPROC_JDK="$best"; DUALPROC_JDK_VERSION="$best_major"; return 0; fi
  fi
  {
    echo "dualproc: needs a JDK $DUALPROC_MIN_JAVA or newer (java and javac), and found none."
    if ((${#DUALPROC_JDK_SEEN[@]})); then
      printf '  looked at: %s\n' "$(printf '%s\n' "${DUALPROC_JDK_SEEN[@]}" | awk '!seen[$0]++' | paste -sd ';' | sed 's/;/; /g')"
    else
      echo "  looked at: \$JAVA_HOME, java on PATH, $dir/*"
    fi
    echo "  install one (e.g. 'apt install temurin-25-jdk' from packages.adoptium.net, or a tarball from adoptium.net)"
    echo "  and set JAVA_HOME to it, or put it under $dir."
  } >&2
  return 2
}

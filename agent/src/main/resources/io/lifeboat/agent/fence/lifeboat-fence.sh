#!/bin/sh
# lifeboat-fence: the host's fence process. It hard-stops the protected guests when the deadline in a lease file
# passes, because whoever renews that file (the local agent, or an agentless proxy over SSH) stopped renewing it.
# POSIX sh only: it also runs on old VMware Server hosts where no JVM runs.
#
#   lifeboat-fence.sh watch LEASE_FILE GUESTS_FILE KIND [INTERVAL]
#       KIND libvirt: virsh destroy --domain GUEST     KIND vmrun: vmrun $LIFEBOAT_VMRUN_ARGS stop GUEST hard
#       GUESTS_FILE: one guest per line (libvirt domain name or UUID, or .vmx path); '#' lines and blanks skipped.
#       A missing lease file means "not armed yet". Each deadline fences at most once; a newer one re-arms.
#       What was stopped is appended to LEASE_FILE.fenced.
#   lifeboat-fence.sh renew LEASE_FILE SECONDS        deadline := now + SECONDS
#   lifeboat-fence.sh renew-stdin LEASE_FILE          one renewal per line "SECONDS" on stdin; exits at EOF
#
# The lease file holds one integer: the deadline in centiseconds of /proc/uptime (immune to wall-clock steps).
set -u

die() { echo "lifeboat-fence: $*" >&2; exit 2; }

now_cs() {
  read -r up _ < /proc/uptime || die "cannot read /proc/uptime"
  int=${up%.*}; frac=${up#*.}
  [ "$int" = "$up" ] && frac=00
  frac=$(printf '%s' "${frac}00" | cut -c1-2)
  echo $(( int * 100 + 1$frac - 100 ))
}

is_uint() { case ${1:-} in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }

write_deadline() { # file deadline
  tmp="$1.tmp.$$"
  echo "$2" > "$tmp" && mv -f "$tmp" "$1" || die "cannot write $1"
}

renew() { # file seconds
  is_uint "$2" || die "renewal \"$2\" is not a whole number of seconds"
  write_deadline "$1" $(( $(now_cs) + $2 * 100 ))
}

stop_guest() { # kind guest
  case $1 in
    libvirt) virsh destroy --domain "$2" ;;
    vmrun) vmrun ${LIFEBOAT_VMRUN_ARGS:-} stop "$2" hard ;;
  esac
}

fence() { # lease guests kind deadline now
  while IFS= read -r g || [ -n "$g" ]; do
    case $g in ''|'#'*) continue ;; esac
    if stop_guest "$3" "$g" < /dev/null > /dev/null 2>&1; then r=stopped; else r=not-running-or-failed; fi
    echo "$r $g" >> "$1.fenced"
    echo "lifeboat-fence: deadline $4 passed at $5: $r $g" >&2
  done < "$2"
}

watch() { # lease guests kind interval
  case $3 in libvirt|vmrun) ;; *) die "kind \"$3\" is neither libvirt nor vmrun" ;; esac
  [ -r "$2" ] || die "guests file $2 is not readable"
  fenced_for=""
  while :; do
    if [ -e "$1" ]; then
      d=""
      read -r d < "$1" 2> /dev/null || true
      is_uint "$d" || d=0   # an unreadable or garbled deadline fails safe: it has passed
      now=$(now_cs)
      if [ "$d" != "$fenced_for" ] && [ "$now" -ge "$d" ]; then
        fence "$1" "$2" "$3" "$d" "$now"
        fenced_for=$d
      fi
    fi
    sleep "$4" 2> /dev/null || sleep 1
  done
}

[ $# -ge 1 ] || die "usage: lifeboat-fence.sh watch|renew|renew-stdin ..."
cmd=$1; shift
case $cmd in
  watch) [ $# -ge 3 ] || die "usage: watch LEASE_FILE GUESTS_FILE KIND [INTERVAL]"; watch "$1" "$2" "$3" "${4:-0.2}" ;;
  renew) [ $# -eq 2 ] || die "usage: renew LEASE_FILE SECONDS"; renew "$1" "$2" ;;
  renew-stdin)
    [ $# -eq 1 ] || die "usage: renew-stdin LEASE_FILE"
    while IFS= read -r s; do renew "$1" "$s"; done ;;
  *) die "unknown command \"$cmd\"" ;;
esac

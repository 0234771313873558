#!/bin/sh
# Starts the Tempura jar with JVM flags that suit a container.
#
# The flags are built here rather than in the Dockerfile's ENTRYPOINT because exec-form ENTRYPOINTs
# cannot read environment variables, and JAVA_PROCESSORS is only known when the container starts
# (the Helm chart derives it from the pod's CPU request).
#
#   JAVA_PROCESSORS         if set, -XX:ActiveProcessorCount=<it>: the processor count the JVM sizes
#                           its GC threads, ForkJoinPool and gRPC/Netty event loops for
#   JAVA_MAX_RAM_PERCENTAGE heap ceiling as a share of the container's memory limit (default 75)
#   JAVA_OPTS               anything else, appended last so it wins over the flags above
set -eu

opts="-XX:+UseContainerSupport -XX:MaxRAMPercentage=${JAVA_MAX_RAM_PERCENTAGE:-75} -XX:+ExitOnOutOfMemoryError"

if [ -n "${JAVA_PROCESSORS:-}" ]; then
  case "$JAVA_PROCESSORS" in
    '' | *[!0-9]* | 0*)
      echo "entrypoint: JAVA_PROCESSORS must be a positive whole number of cores, got '$JAVA_PROCESSORS'" >&2
      exit 64
      ;;
  esac
  opts="$opts -XX:ActiveProcessorCount=$JAVA_PROCESSORS"
fi

# JAVA_OPTS is split on whitespace on purpose, as in other Java launchers.
# shellcheck disable=SC2086
exec java $opts ${JAVA_OPTS:-} -jar /app/tempura.jar "$@"

#!/bin/bash
# Runs a Kafka class on the jars in /opt/kafka/libs, as the distribution's script of the same name does.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} -Dorg.slf4j.simpleLogger.logFile=System.out \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=${KAFKA_TOOLS_LOG_LEVEL:-warn} -cp '/opt/kafka/libs/*' "$@"

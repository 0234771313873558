package dev.tempura.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, for {@link Report}. */
final class Results {
  Settings settings;
  String command;
  Instant began;
  Instant ended;
  Map<String, String> machine = new LinkedHashMap<>();

  /** Load average when each part began and ended, as /proc/loadavg had it. */
  Map<String, String> load = new LinkedHashMap<>();

  /** Processes and their flags. */
  Map<String, String> processes = new LinkedHashMap<>();

  /** Parts that failed, with why. */
  Map<String, String> failures = new LinkedHashMap<>();

  String nginxVersion;
  String nginxNote;
  String nginxConfig;

  Map<String, Measured> start;
  List<StartBench.Window> startWindows = new ArrayList<>();
  Map<String, Map<String, Long>> startThreads = new LinkedHashMap<>();
  Map<String, java.time.Duration> startWarmups = new LinkedHashMap<>();
  JfrProfile profile;
  Measured profileWindow;

  Map<String, Measured> e2e;
  List<EndToEndBench.Window> e2eWindows = new ArrayList<>();
  Map<String, java.time.Duration> e2eWarmups = new LinkedHashMap<>();

  List<MicroBench.Row> micro;

  List<StoreBench.Result> store = new ArrayList<>();
  String redisVersion;
  String redisNote;

  ParkedPollsBench.Result polls;

  /** (f): the null backend's windows, warm-up curves and calibration; null when not run. */
  NullBench nul;
}

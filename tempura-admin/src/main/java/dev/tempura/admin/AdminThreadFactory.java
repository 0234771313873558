package dev.tempura.admin;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads, so a forgotten server does not keep the JVM alive. */
final class AdminThreadFactory implements ThreadFactory {
  private final AtomicInteger next = new AtomicInteger(1);

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, "tempura-admin-" + next.getAndIncrement());
    thread.setDaemon(true);
    return thread;
  }
}

package dev.tempura.proxy.poll;

import java.util.Base64;
import java.util.UUID;

/**
 * A task on its way between replicas, as the store's pool carries it: {@code 1|<id>|<arrived, epoch
 * ms>|<task, base64>|<id of the physical namespace it came from>}. The task is the response as the
 * client gets it (virtual names, Tempura's task token), so any replica can hand it out and its
 * completion routes by its token. Wall-clock time crosses processes; replicas on one host or with
 * synchronised clocks make the age exact, others make it only approximate.
 */
record HeldTask(String id, long arrivedMillis, byte[] response, String from) {
  private static final String VERSION = "1";

  static HeldTask of(byte[] response, long arrivedMillis, String from) {
    return new HeldTask(UUID.randomUUID().toString(), arrivedMillis, response, from);
  }

  String encode() {
    return VERSION
        + '|'
        + id
        + '|'
        + arrivedMillis
        + '|'
        + Base64.getEncoder().encodeToString(response)
        + '|'
        + from;
  }

  /**
   * @throws IllegalArgumentException for anything but a payload this version wrote (another
   *     program's, a later version's)
   */
  static HeldTask decode(String payload) {
    String[] parts = payload.split("\\|", 5);
    if (parts.length != 5 || !parts[0].equals(VERSION) || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "not a held task of this version: "
              + payload.substring(0, Math.min(payload.length(), 40)));
    }
    long arrived;
    try {
      arrived = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("held task " + parts[1] + ": bad arrival time", e);
    }
    byte[] response = Base64.getDecoder().decode(parts[3]);
    if (response.length == 0) {
      throw new IllegalArgumentException("held task " + parts[1] + ": empty");
    }
    return new HeldTask(parts[1], arrived, response, parts[4]);
  }
}

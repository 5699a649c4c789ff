package io.lifeboat.agent.link;

import io.lifeboat.protocol.v1.Role;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a voter listens: its id, its role and its TCP address.
 *
 * @param voterId coordinator node id or peer host id
 * @param role coordinator or agent
 * @param host host name or IP literal
 * @param port TCP port
 */
public record VoterAddress(String voterId, Role role, String host, int port) {
  private static final Pattern SPEC = Pattern.compile("([A-Za-z0-9_\\-]{1,128})@(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]@\\s]+):([0-9]{1,5})");

  /**
   * Parses {@code id@host:port} (IPv6 literals in brackets).
   *
   * @param spec the text, e.g. "c1@10.0.0.5:7400"
   * @param role the voter's role
   * @return the address
   * @throws IllegalArgumentException naming the text when it does not parse
   */
  public static VoterAddress parse(String spec, Role role) {
    Matcher m = SPEC.matcher(spec.strip());
    if (!m.matches() || Integer.parseInt(m.group(3)) > 65535) {
      throw new IllegalArgumentException("voter \"" + spec + "\" is not id@host:port (id of letters, digits, '-', '_')");
    }
    String host = m.group(2);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new VoterAddress(m.group(1), role, host, Integer.parseInt(m.group(3)));
  }

  @Override
  public String toString() {
    return voterId + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}

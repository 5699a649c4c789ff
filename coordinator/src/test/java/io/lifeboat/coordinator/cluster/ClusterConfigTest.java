package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.hazelcast.config.Config;

import io.lifeboat.coordinator.config.ConfigException;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.HostPort;
import io.lifeboat.coordinator.config.SiteConfigs;

/** The {@code cluster} block is read strictly and becomes a Hazelcast config that joins only the listed members. */
class ClusterConfigTest {

    @TempDir
    Path dir;

    @Test
    void threeMembersGiveACpClusterWithTcpIpJoinOnlyAndNoPhoneHome() throws Exception {
        CoordinatorConfig config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", """
                cluster:
                  name: office
                  host: 127.0.0.1
                  port: 5801
                  members:
                    - {id: c1, box: nas, address: "127.0.0.1:5801"}
                    - {id: c2, box: pi, address: "127.0.0.1:5802"}
                    - {id: c3, box: office-pc, address: "127.0.0.1:5803"}
                """));
        CoordinatorConfig.ClusterConfig cluster = config.cluster().orElseThrow();
        assertThat(cluster.usesCp()).isTrue();
        assertThat(cluster.addresses()).containsExactly(new HostPort("127.0.0.1", 5801),
                new HostPort("127.0.0.1", 5802), new HostPort("127.0.0.1", 5803));
        assertThat(config.placement().voters()).as("every coordinator is a voter").contains("c1", "c2", "c3");
        assertThat(cluster.eventBusPort()).isZero();
        Config hz = HazelcastSetup.config("c1", cluster, HazelcastSetup.Tuning.DEFAULTS);
        assertThat(hz.getClusterName()).isEqualTo("office");
        assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(hz.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(hz.getNetworkConfig().getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("127.0.0.1:5801", "127.0.0.1:5802", "127.0.0.1:5803");
        assertThat(hz.getNetworkConfig().getPort()).isEqualTo(5801);
        assertThat(hz.getNetworkConfig().isPortAutoIncrement()).isFalse();
        assertThat(hz.getCPSubsystemConfig().getCPMemberCount()).isEqualTo(3);
        assertThat(hz.getCPSubsystemConfig().getSessionTimeToLiveSeconds()).isEqualTo(10);
    }

    @Test
    void noClusterBlockIsASingleCoordinator() throws Exception {
        assertThat(CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", "")).cluster()).isEmpty();
    }

    @Test
    void twoMembersAreRefusedForWantOfACpQuorum() throws Exception {
        Path file = SiteConfigs.write(dir, "nas", """
                cluster: {host: 127.0.0.1, port: 5801, members: [{id: c1, box: nas, address: "127.0.0.1:5801"},
                  {id: c2, box: pi, address: "127.0.0.1:5802"}]}
                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cluster.members: 2 coordinator(s) give no CP quorum: leadership needs "
                        + "Hazelcast's CP subsystem, which needs 3 members; list 3 or more, or drop cluster for a "
                        + "single coordinator");
    }

    @Test
    void aMemberListWithoutThisNodeOrWithAnUnknownKeyIsRefused() throws Exception {
        Path missing = SiteConfigs.write(dir, "nas", """
                cluster:
                  host: 127.0.0.1
                  port: 5809
                  members:
                    - {id: c1, box: nas, address: "127.0.0.1:5801"}
                    - {id: c2, box: pi, address: "127.0.0.1:5802"}
                    - {id: c3, box: office-pc, address: "127.0.0.1:5803"}

                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(missing)).hasMessage(missing + ": cluster.members: "
                + "this node's own address 127.0.0.1:5809 (cluster.host:cluster.port) is not listed");
        Path unknown = SiteConfigs.write(dir, "nas", """
                cluster: {host: 127.0.0.1, multicast: true, members: [{id: c1, box: nas, address: "127.0.0.1:5701"}]}
                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(unknown)).hasMessageStartingWith(unknown
                + ": cluster.multicast: unknown key");
        Path bad = SiteConfigs.write(dir, "nas", """
                cluster: {host: 127.0.0.1, members: [{id: c1, box: nas, address: "127.0.0.1:5701"},
                  {id: c2, box: pi, address: nowhere}, {id: c3, box: pc, address: "127.0.0.1:5703"}]}
                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(bad)).hasMessage(bad
                + ": cluster.members[1].address: 'nowhere' is not HOST:PORT");
        Path wrongSelf = SiteConfigs.write(dir, "nas", """
                cluster: {host: 127.0.0.1, port: 5801, members: [{id: c9, box: nas, address: "127.0.0.1:5801"},
                  {id: c2, box: pi, address: "127.0.0.1:5802"}, {id: c3, box: pc, address: "127.0.0.1:5803"}]}
                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(wrongSelf)).hasMessage(wrongSelf + ": cluster.members: "
                + "the entry of this node's address 127.0.0.1:5801 says id c9 on box nas, but this node is c1 on box nas");
        Path hostId = SiteConfigs.write(dir, "nas", """
                cluster: {host: 127.0.0.1, port: 5801, members: [{id: c1, box: nas, address: "127.0.0.1:5801"},
                  {id: hostA, box: pi, address: "127.0.0.1:5802"}, {id: c3, box: pc, address: "127.0.0.1:5803"}]}
                """);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(hostId)).hasMessage(hostId + ": cluster.members: "
                + "voter id 'hostA' is both a coordinator and a host");
    }
}

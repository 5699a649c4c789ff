package io.lifeboat.lab;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that brings one lab with two hosts up once per test run (shared by every test class that uses
 * it), injects it as a {@link Lab} parameter, resets it after each test (hosts back, guests gone) and takes it down at
 * the end of the run, failing if anything of the run is left.
 */
public final class LabExtension implements ParameterResolver, AfterEachCallback {
  /** Hosts the shared lab starts with; override with {@code -Dlifeboat.lab.hosts=N}. */
  public static final int DEFAULT_HOSTS = 2;

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LabExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Lab.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return shared(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    SharedLab shared = context.getRoot().getStore(NAMESPACE).get(SharedLab.class, SharedLab.class);
    if (shared != null && !shared.isDown()) {
      shared.lab().reset();
    }
  }

  /** The run's lab, started on first use. */
  public static Lab shared(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(SharedLab.class, k -> SharedLab.start(), SharedLab.class)
        .lab();
  }

  /** The run's lab; closed by JUnit at the end of the run, which takes it down and checks nothing is left. */
  private record SharedLab(Lab lab) implements AutoCloseable {
    static SharedLab start() {
      Lab lab = Lab.create(Lab.Mode.TEST);
      try {
        lab.up(Integer.getInteger("lifeboat.lab.hosts", DEFAULT_HOSTS));
      } catch (RuntimeException e) {
        lab.down();
        throw e;
      }
      return new SharedLab(lab);
    }

    boolean isDown() {
      return lab.hosts().isEmpty();
    }

    @Override
    public void close() {
      lab.down();
    }
  }
}

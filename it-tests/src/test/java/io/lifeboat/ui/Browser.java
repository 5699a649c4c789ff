package io.lifeboat.ui;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Debian Chromium for a test class, driven through Debian's chromedriver (no Selenium Manager, no
 * browser download), with a fresh profile and the flags that keep it off this machine's closed network. It saves a
 * screenshot of every step it is told about and of every failed test under {@code target/screenshots/<class>/}.
 */
final class Browser implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    /** Debian's chromium. */
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** Debian's chromium-driver. */
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final AtomicInteger step = new AtomicInteger();
    private ChromeDriver driver;
    private Path profile;
    private Path shots;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        for (Path p : new Path[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException(p + " is missing: apt-get install chromium chromium-driver "
                        + "(scripts/install-deps.sh does)");
            }
        }
        shots = SCREENSHOTS.resolve(context.getRequiredTestClass().getSimpleName());
        Files.createDirectories(shots);
        try (Stream<Path> old = Files.list(shots)) {
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        profile = Files.createTempDirectory("lifeboat-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
                "--disable-client-side-phishing-detection", "--no-default-browser-check", "--no-pings",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en-GB",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(shots.resolve("chromedriver.log").toFile()).build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (driver != null) {
            shot("FAILED-" + context.getRequiredTestMethod().getName());
        }
    }

    WebDriver driver() {
        return driver;
    }

    /** Saves a screenshot named {@code NN-name.png}. */
    void shot(String name) {
        try {
            Path png = driver.getScreenshotAs(OutputType.FILE).toPath();
            String file = String.format(Locale.ROOT, "%02d-%s.png", step.incrementAndGet(),
                    name.replaceAll("[^A-Za-z0-9._-]", "_"));
            Files.copy(png, shots.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            System.err.println("screenshot " + name + " not saved: " + e);
        }
    }

    /** Runs a script in the page and returns its value. */
    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Runs an asynchronous script (its last argument is the callback) and returns what it passed back. */
    Object asyncScript(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
    }

    /** The first element matching {@code css}, if any. */
    Optional<WebElement> find(String css) {
        return driver.findElements(By.cssSelector(css)).stream().findFirst();
    }
}

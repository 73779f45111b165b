package io.vfleet.assignment.adapter.web.dashboard;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The assignment service's own headless Chromium client, from its test jar, opened to the e2e tests'
 * package: the client is package-private beside the service's dashboard tests, and this forwards
 * each call unchanged, so that the page is driven the same way in both places.
 */
public final class StackBrowser implements AutoCloseable {
    private final HeadlessChromium browser;

    private StackBrowser(HeadlessChromium browser) {
        this.browser = browser;
    }

    public static StackBrowser launch() throws IOException, InterruptedException {
        return new StackBrowser(HeadlessChromium.launch());
    }

    public void navigate(String url) {
        browser.navigate(url);
    }

    public JsonNode evaluate(String expression) {
        return browser.evaluate(expression);
    }

    public String text(String expression) {
        return browser.text(expression);
    }

    public void waitFor(String expression, Duration timeout) {
        browser.waitFor(expression, timeout);
    }

    public void screenshot(Path file, int width) throws IOException {
        browser.screenshot(file, width);
    }

    public List<String> errors() {
        return browser.errors();
    }

    @Override
    public void close() {
        browser.close();
    }
}

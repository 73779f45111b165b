package io.vfleet.stack;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code vfleet-stack}, behind {@code ./vfleet}: {@code up} runs the whole system on this machine,
 * {@code status} shows a running one, {@code down} stops one that runs in the background.
 */
@Command(name = "vfleet", mixinStandardHelpOptions = true,
        subcommands = {UpCommand.class, StatusCommand.class, DownCommand.class},
        description = "Runs the whole vfleet system on this machine: PostgreSQL, inventory-service, one iommufd-agent per"
                + " simulated host and assignment-service, each a supervised process of its own.")
public final class VfleetStack implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new VfleetStack()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say what to do: up, status or down");
    }
}

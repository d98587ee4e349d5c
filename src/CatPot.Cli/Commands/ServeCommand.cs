using System.CommandLine;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot serve MODEL STRUCTURE --ipi unix:NAME|HOST:PORT</c>: an i-PI client for ASE's <c>SocketIOCalculator</c> or
/// i-PI. Exit codes: 0 after EXIT or when the server closes, 2 after a protocol error (bad input from the server,
/// a stalled message included), 4 when no server was reached, 130 on Ctrl+C; other errors through <see cref="CommandFailure"/>.
/// </summary>
public static class ServeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file" };
        var structure = new Argument<string>("STRUCTURE") { Description = "Structure (extxyz) giving species, charge and spin; i-PI sends positions only" };
        var ipi = new Option<string>("--ipi") { Description = "Server address: unix:NAME (socket /tmp/ipi_NAME), unix:/path, or HOST:PORT", Required = true };
        var reconnect = new Option<bool>("--reconnect") { Description = "After the server closes or breaks the protocol, connect again instead of exiting" };
        var connectTimeout = new Option<double>("--connect-timeout") { Description = "Seconds to keep trying to reach the server", DefaultValueFactory = _ => 60 };
        var readTimeout = new Option<double>("--read-timeout")
        {
            Description = "Seconds to wait for the rest of a message once it has begun; a server stalling longer is a protocol error. 0: no limit. Waiting between messages is never limited",
            DefaultValueFactory = _ => 60,
        };
        var extras = new Option<string>("--extras")
        {
            Description = "none: one zero byte (what ASE 3.22's SocketIOCalculator accepts); json: energy, energy_std, energy_entropy, energy_tail_mass as a JSON object (i-PI)",
            DefaultValueFactory = _ => "none",
        };
        extras.AcceptOnlyFromAmong("none", "json");
        var forces = SimulationInputs.ForcesOption();
        var frame = SimulationInputs.FrameOption();
        var randomModel = SimulationInputs.RandomModelOption();

        var command = new Command("serve", "Serve energies and forces to an i-PI server (ASE SocketIOCalculator, i-PI)")
        {
            model, structure, ipi, reconnect, connectTimeout, readTimeout, extras, forces, frame, randomModel,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = CommandContext.From(parse);
            var endpoint = SimulationInputs.Usage(() => IpiEndpoint.Parse(parse.GetValue(ipi)!));
            double connectSeconds = parse.GetValue(connectTimeout), readSeconds = parse.GetValue(readTimeout);
            if (!(connectSeconds >= 0) || !double.IsFinite(connectSeconds))
                throw new CommandLineUsageException($"--connect-timeout must be a number of seconds ≥ 0, got {connectSeconds}.");
            if (!(readSeconds >= 0) || !double.IsFinite(readSeconds))
                throw new CommandLineUsageException($"--read-timeout must be a number of seconds ≥ 0 (0: no limit), got {readSeconds}.");
            var system = SimulationInputs.ReadStructure(parse.GetValue(structure)!, parse.GetValue(frame));
            var potential = SimulationInputs.LoadModel(parse.GetValue(model)!, parse.GetValue(randomModel), context.Error);
            SimulationInputs.WarnUnknownElements(potential, system, context.Error, parse.GetValue(randomModel));
            var calculator = new PotentialCalculator<float>(potential, SimulationInputs.ParseForces(parse.GetValue(forces)!));
            var options = new IpiClientOptions
            {
                Reconnect = parse.GetValue(reconnect),
                ConnectTimeout = TimeSpan.FromSeconds(connectSeconds),
                ReadTimeout = readSeconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(readSeconds),
                JsonExtras = parse.GetValue(extras) == "json",
            };
            var client = new IpiClient(calculator, system, endpoint, context.Error, options);
            var outcome = client.Run(cancellationToken);
            context.Error.WriteLine($"ipi: {outcome}; {client.Evaluations} evaluation(s) over {client.Connections} connection(s)");
            return Task.FromResult(outcome switch
            {
                IpiClientOutcome.ExitRequested or IpiClientOutcome.ServerClosed => ExitCodes.Ok,
                IpiClientOutcome.ProtocolError => ExitCodes.BadInput,
                IpiClientOutcome.ConnectionFailed => ExitCodes.NoServer,
                _ => ExitCodes.Cancelled,
            });
        });
        return command;
    }
}

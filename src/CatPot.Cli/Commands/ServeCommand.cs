using System.CommandLine;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot serve MODEL STRUCTURE --ipi unix:NAME|HOST:PORT</c>: an i-PI client for ASE's <c>SocketIOCalculator</c> or
/// i-PI. Exit codes: 0 after EXIT or when the server closes, 2 after a protocol error, 4 when no server was reached.
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
        var extras = new Option<string>("--extras")
        {
            Description = "json: send std_E and entropy as JSON extras (i-PI); none: one zero byte (needed by ASE <= 3.22's SocketIOCalculator)",
            DefaultValueFactory = _ => "json",
        };
        extras.AcceptOnlyFromAmong("json", "none");
        var forces = SimulationInputs.ForcesOption();
        var frame = SimulationInputs.FrameOption();
        var randomModel = SimulationInputs.RandomModelOption();

        var command = new Command("serve", "Serve energies and forces to an i-PI server (ASE SocketIOCalculator, i-PI)")
        {
            model, structure, ipi, reconnect, connectTimeout, extras, forces, frame, randomModel,
        };
        command.SetAction(parse => SimulationInputs.Guarded(() =>
        {
            var endpoint = IpiEndpoint.Parse(parse.GetValue(ipi)!);
            var system = SimulationInputs.ReadStructure(parse.GetValue(structure)!, parse.GetValue(frame));
            var potential = SimulationInputs.LoadModel(parse.GetValue(model)!, parse.GetValue(randomModel), Console.Error);
            var calculator = new PotentialCalculator<float>(potential, SimulationInputs.ParseForces(parse.GetValue(forces)!));
            var options = new IpiClientOptions
            {
                Reconnect = parse.GetValue(reconnect),
                ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(connectTimeout)),
                JsonExtras = parse.GetValue(extras) == "json",
            };
            var client = new IpiClient(calculator, system, endpoint, Console.Error, options);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var outcome = client.Run(cancel.Token);
                Console.Error.WriteLine($"ipi: {outcome}; {client.Evaluations} evaluation(s) over {client.Connections} connection(s)");
                return outcome switch
                {
                    IpiClientOutcome.ExitRequested or IpiClientOutcome.ServerClosed => 0,
                    IpiClientOutcome.ProtocolError => 2,
                    IpiClientOutcome.ConnectionFailed => 4,
                    _ => 130,
                };
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }
}

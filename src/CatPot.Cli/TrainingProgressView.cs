using System.Globalization;
using CatPot.Training;
using Spectre.Console;

namespace CatPot.Cli;

/// <summary>
/// Shows training progress on stderr: a live bar with loss, learning rate, throughput and ETA on a terminal,
/// one line per epoch otherwise (so logs stay readable).
/// </summary>
public sealed class TrainingProgressView
{
    private readonly CommandContext _context;
    private readonly bool _terminal;

    /// <summary>Creates a view over the command's stderr.</summary>
    public TrainingProgressView(CommandContext context)
    {
        _context = context;
        _terminal = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected;
    }

    /// <summary>Runs <paramref name="train"/>, passing it a progress sink and an epoch callback.</summary>
    public void Run(long totalSteps, long stepsDone, Action<IProgress<TrainingProgress>?, Action<EpochRecord>> train)
    {
        if (!_terminal)
        {
            train(null, WriteEpochLine);
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_context.Error), Interactive = InteractionSupport.Yes });
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: totalSteps);
                task.Value = stepsDone;
                train(new Sink(task), record => console.MarkupLine(Markup.Escape(EpochLine(record))));
            });
    }

    private void WriteEpochLine(EpochRecord r) => _context.Error.WriteLine(EpochLine(r));

    private static string EpochLine(EpochRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch,3}  loss {r.TrainLoss:F4}  val E {r.ValidationEnergyMaePerAtom * 1000:F1} meV/atom  val F {r.ValidationForceMae:F3} eV/Å  lr {r.LearningRate:E2}  {r.StructuresPerSecond:F0} struct/s  {r.TrainSeconds:F1} s{(r.IsBest ? "  *best" : "")}");

    private sealed class Sink(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.Increment(1);
            task.Description = string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch}/{p.Epochs} batch {p.BatchInEpoch}/{p.BatchesInEpoch} loss {p.Loss:F4} lr {p.LearningRate:E2} {p.StructuresPerSecond:F0} struct/s");
        }
    }
}

using System.CommandLine;
using System.Globalization;
using CatPot.Chemistry;
using CatPot.Cli.DataInfo;
using CatPot.IO;
using Spectre.Console;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot data info FILE…</c>: reads and validates every frame of one or more structure sources and prints
/// their size, element, charge/spin, domain, energy and force statistics (a table, or JSON with <c>--json</c>).
/// </summary>
public static class DataInfoCommand
{
    /// <summary>Creates the <c>info</c> subcommand of <c>data</c>.</summary>
    public static Command Create()
    {
        var files = StructureSourceArgument.CreateMany();
        var json = StandardOptions.CreateJson();
        var minDistance = new Option<double>("--min-distance")
        {
            Description = "Reject extxyz frames with two atoms closer than this (Å); 0 turns the check off.",
            DefaultValueFactory = _ => StructureValidator.DefaultMinDistance,
        };
        var units = LabelUnitOptions.Create();
        var command = new Command("info", "Validate every frame and print dataset statistics: sizes, elements, charge/spin, domains, energies, forces; frames the model cannot evaluate; unit warnings.")
        {
            files, json, minDistance, units.Energy, units.Force,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            double limit = parseResult.GetValue(minDistance);
            if (!(limit >= 0) || double.IsInfinity(limit))
                throw new CommandLineUsageException($"--min-distance must be a finite distance ≥ 0 Å, but is {limit.ToString(CultureInfo.InvariantCulture)}.");
            var options = units.Apply(parseResult, ExtXyzReaderOptions.Default with { MinInteratomicDistance = limit });
            var report = Summarise(parseResult.GetValue(files)!, options, context, cancellationToken);
            if (parseResult.GetValue(json))
                context.Out.WriteLine(report.ToJson());
            else
                Render(report, context.CreateOutConsole());
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Reads every frame of every path (validating each) into one summary.</summary>
    public static DataInfoReport Summarise(IReadOnlyList<string> paths, ExtXyzReaderOptions options, CommandContext context, CancellationToken cancellationToken)
    {
        // Check every path before reading any, so a typo in the last one fails fast.
        var formats = paths.Select(StructureFiles.DetectFormat).ToArray();
        var summary = new DatasetSummary();
        for (int i = 0; i < paths.Count; i++)
        {
            string path = paths[i];
            int before = summary.Frames;
            context.WithProgress(path, progress =>
            {
                int frame = 0;
                foreach (var structure in StructureFiles.Read(path, options, progress))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    summary.Add(structure, path, frame++);
                }
                return 0;
            });
            summary.AddFile(path, formats[i], summary.Frames - before);
            if (context.Verbose)
                context.Error.WriteLine($"catpot: {path}: {summary.Frames - before} frames valid.");
        }
        return summary.ToReport();
    }

    private static void Render(DataInfoReport report, IAnsiConsole console)
    {
        var files = NewTable("Inputs", "file", "format", "frames");
        foreach (var f in report.Files)
            files.AddRow(Markup.Escape(f.Path), f.Format, Count(f.Frames));
        console.Write(files);

        var size = NewTable("Size", "frames", "atoms", "atoms/frame min", "mean", "max");
        size.AddRow(Count(report.Frames), Count(report.Atoms.Total), Count(report.Atoms.Min), Number(report.Atoms.Mean, "F1"), Count(report.Atoms.Max));
        console.Write(size);

        var labels = NewTable("Labels", "quantity", "frames", "min", "mean", "max");
        labels.AddRow("energy (eV)", Count(report.Energy.Frames), Number(report.Energy.Total.Min), Number(report.Energy.Total.Mean), Number(report.Energy.Total.Max));
        labels.AddRow("energy/atom (eV)", Count(report.Energy.Frames), Number(report.Energy.PerAtom.Min), Number(report.Energy.PerAtom.Mean), Number(report.Energy.PerAtom.Max));
        labels.AddRow("per-atom |F| (eV/Å)", Count(report.Forces.Frames), "", Number(report.Forces.MeanAtomNorm), Number(report.Forces.MaxAtomNorm));
        labels.AddRow("force component RMS (eV/Å)", Count(report.Forces.Frames), "", Number(report.Forces.RmsComponent), "");
        console.Write(labels);

        var domains = NewTable("Domains", "domain", "frames", "atoms min", "mean", "max", "E/atom min (eV)", "E/atom max (eV)", "mean |F| (eV/Å)", "max |F| (eV/Å)");
        foreach (var d in report.Domains)
            domains.AddRow(d.Domain is null ? "(none)" : Markup.Escape(d.Domain), Count(d.Frames), Count(d.Atoms.Min), Number(d.Atoms.Mean, "F1"), Count(d.Atoms.Max),
                Number(d.Energy.PerAtom.Min), Number(d.Energy.PerAtom.Max), Number(d.Forces.MeanAtomNorm, "F3"), Number(d.Forces.MaxAtomNorm));
        console.Write(domains);

        var elements = NewTable("Elements", "Z", "element", "atoms", "structures");
        foreach (var e in report.Elements)
            elements.AddRow(Count(e.Z), e.Symbol, Count(e.Atoms), Count(e.Structures));
        console.Write(elements);

        var charges = NewTable("Charge", "charge", "structures");
        foreach (var c in report.Charges)
            charges.AddRow(c.Value.ToString("+0;-0;0", CultureInfo.InvariantCulture), Count(c.Structures));
        var spins = NewTable("Spin multiplicity", "2S+1", "structures");
        foreach (var s in report.Spins)
            spins.AddRow(Count(s.Value), Count(s.Structures));
        console.Write(new Columns(charges, spins).Collapse());

        if (report.ModelInputs.Count > 0)
        {
            var problems = NewTable("Frames the model cannot evaluate (train, eval and predict refuse them)", "problem", "frames", "first", "detail");
            foreach (var p in report.ModelInputs)
                problems.AddRow(p.Problem, Count(p.Frames), Markup.Escape($"{p.FirstFile}: frame {p.FirstFrame}"), Markup.Escape(p.Detail));
            console.Write(problems);
        }
        foreach (var warning in report.Warnings)
            console.MarkupLine("[yellow]warning:[/] " + Markup.Escape(warning));
    }

    private static Table NewTable(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle(title), Border = TableBorder.Rounded };
        table.AddColumn(columns[0]);
        foreach (var c in columns.Skip(1))
            table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        return table;
    }

    private static string Count(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Number(double? value, string format = "F4") => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CatPot.Models.Heads;

namespace CatPot.Cli.Commands;

/// <summary>
/// The energy-head options shared by <c>train</c> and <c>bench</c>: <c>--head</c> (choices and help from
/// <see cref="EnergyHeads"/>), the common settings <c>--bins</c> (K, or max_bins for heads that derive K from σ),
/// <c>--sigma-ratio</c>, <c>--temperature</c> (applied only when given, to heads that have them) and <c>--head-setting KEY=VALUE</c> for any setting of the chosen head.
/// </summary>
public sealed class HeadOptions
{
    private readonly Option<string> _head;
    private readonly Option<int?> _bins;
    private readonly Option<double?> _sigmaRatio;
    private readonly Option<double?> _temperature;
    private readonly Option<string[]> _settings;

    /// <summary>Creates the options with <paramref name="defaultHead"/> as the default of <c>--head</c>.</summary>
    public HeadOptions(string defaultHead)
    {
        _head = new Option<string>("--head") { Description = EnergyHeads.Help, DefaultValueFactory = _ => defaultHead };
        _head.AcceptOnlyFromAmong(EnergyHeads.Names);
        _bins = new Option<int?>("--bins") { Description = "Bins K (hlgauss, default 128); for cat and catres the most finite bins (max_bins, default 1024)." };
        _sigmaRatio = new Option<double?>("--sigma-ratio") { Description = "σ / bin width (hlgauss 0.75; cat and catres derive the bin width from σ with it)." };
        _temperature = new Option<double?>("--temperature") { Description = "Softmax temperature T of a histogram head (training and inference; hlgauss 2, cat/catres 1)." };
        _settings = new Option<string[]>("--head-setting")
        {
            Description = "A setting of the chosen head as KEY=VALUE (repeatable), e.g. sigma_mev=10, spacing=uniform, expectation_weight=1; docs/heads.md lists them.",
            AllowMultipleArgumentsPerToken = false,
        };
    }

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => [_head, _bins, _sigmaRatio, _temperature, _settings];

    /// <summary>True when <c>--head-setting</c> gives <paramref name="key"/> (so a recipe's choice for it gives way).</summary>
    public bool Sets(ParseResult parseResult, string key)
        => (parseResult.GetValue(_settings) ?? []).Any(item => Split(item) is (string k, _) && k == key);

    /// <summary>KEY and VALUE of a <c>--head-setting</c> item (trimmed), or null when it is not KEY=VALUE.</summary>
    private static (string Key, string Value)? Split(string item)
    {
        int eq = item.IndexOf('=', StringComparison.Ordinal);
        return eq <= 0 ? null : (item[..eq].Trim(), item[(eq + 1)..].Trim());
    }

    /// <summary>The chosen head with its settings.</summary>
    /// <exception cref="CommandLineUsageException">A setting the head does not have, a malformed KEY=VALUE or a value out of range.</exception>
    public EnergyHeadConfig Parse(ParseResult parseResult)
    {
        string name = parseResult.GetValue(_head)!;
        var settings = new JsonObject();
        // --bins is K for hlgauss and the cap on K for the heads that derive K from σ (cat, catres).
        if (parseResult.GetValue(_bins) is int k)
            settings[EnergyHeads.SettingNames(name).Contains("max_bins") ? "max_bins" : "bins"] = k;
        if (parseResult.GetValue(_sigmaRatio) is double r) settings["sigma_ratio"] = r;
        if (parseResult.GetValue(_temperature) is double t) settings["temperature"] = t;
        foreach (var item in parseResult.GetValue(_settings) ?? [])
        {
            var (key, value) = Split(item) ?? throw new CommandLineUsageException($"--head-setting '{item}' is not KEY=VALUE.");
            settings[key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x)
                ? (x == Math.Round(x) && Math.Abs(x) < int.MaxValue && !value.Contains('.', StringComparison.Ordinal) && !value.Contains('e', StringComparison.OrdinalIgnoreCase) ? JsonValue.Create((int)x) : JsonValue.Create(x))
                : JsonValue.Create(value);
        }
        try
        {
            return EnergyHeads.Read(name, settings);
        }
        catch (ArgumentException e)
        {
            throw new CommandLineUsageException(e.Message);
        }
    }
}

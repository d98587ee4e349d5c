using CatPot.Models.Heads;
using CatPot.Experiments;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Experiments;

public sealed class ExperimentGridTests
{
    [Fact]
    public void Paper_grid_has_the_papers_cells_seeds_sweep_and_ensemble()
    {
        var g = ExperimentGrid.Paper();
        Assert.Equal(3, g.Seeds);
        Assert.Equal(5, g.Ensemble);
        Assert.Equal([1.0, 2.0], g.Temperatures);
        Assert.Equal(5, g.Cells.Length);
        Assert.Single(g.Cells, c => c.IsBaseline);
        Assert.Contains(g.Cells, c => c.Head is HLGaussHeadConfig { Bins: 256, SigmaRatio: 0.75 });
        Assert.Equal([0.25, 0.75, 2.0], g.Cells.Select(c => c.Head).OfType<HLGaussHeadConfig>().Where(h => h.Bins == 128).Select(h => h.SigmaRatio).Order());
        Assert.All(g.Cells.Where(c => !c.IsBaseline), c => Assert.Equal(2.0, c.Temperature));
        Assert.Equal("sample:train", g.Train);
        // 5 cells × 3 seeds + T = 1 on the best cell × 3 seeds + 2 extra ensemble members.
        Assert.Equal(20, ExperimentRunner.PlannedRunCount(g));
    }

    [Fact]
    public void Parse_keeps_defaults_for_missing_keys_and_reads_cells()
    {
        var g = ExperimentGrid.Parse("""
            { "seeds": 2, "features": 32, "ensemble": 0, "temperatures": [],
              "cells": [ {"name": "base", "head": "mae"}, {"name": "hl", "head": "hlgauss", "bins": 64, "sigma_ratio": 1.5, "temperature": 1} ] }
            """);
        Assert.Equal(2, g.Seeds);
        Assert.Equal(32, g.Features);
        Assert.Equal(3, g.Layers);
        Assert.Equal(2, g.Cells.Length);
        Assert.IsType<MaeHeadConfig>(g.Cells[0].Head);
        Assert.Equal(64, Assert.IsType<HLGaussHeadConfig>(g.Cells[1].Head).Bins);
        Assert.Equal(1.5, ((HLGaussHeadConfig)g.Cells[1].Head).SigmaRatio);
        Assert.Equal(4, ExperimentRunner.PlannedRunCount(g));
        var options = g.Options(g.Cells[1], 1);
        Assert.IsType<HLGaussHeadConfig>(options.Model.Head);
        Assert.Equal(32, options.Model.Features);
        Assert.Equal(1UL, options.Seed);
    }

    [Fact]
    public void Round_trips_through_json()
    {
        var g = ExperimentGrid.Quick();
        var back = ExperimentGrid.Parse(g.ToJson());
        Assert.Equal(g.ToJson(), back.ToJson());
    }

    [Theory]
    [InlineData("{ \"seedz\": 2 }", "seedz")]
    [InlineData("{ \"seeds\": 0 }", "seeds must be")]
    [InlineData("{ \"cells\": [ {\"name\": \"a\", \"head\": \"softmax\"} ] }", "Unknown energy head 'softmax'")]
    [InlineData("{ \"cells\": [ {\"name\": \"a/b\", \"head\": \"mae\"} ] }", "folder name")]
    [InlineData("{ \"ensemble\": 3, \"cells\": [ {\"name\": \"hl\"} ] }", "MAE baseline")]
    [InlineData("not json", "not a valid grid")]
    public void Bad_grids_are_rejected_with_the_file_and_the_problem(string json, string expected)
    {
        var e = Assert.Throws<ExperimentGridException>(() => ExperimentGrid.Parse(json, "my-grid.json"));
        Assert.StartsWith("my-grid.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evenly_spaced_subset_spans_the_list()
    {
        var items = Enumerable.Range(0, 100).ToList();
        Assert.Equal([0, 25, 50, 75], ExperimentData.EvenlySpaced(items, 4));
        Assert.Equal(items, ExperimentData.EvenlySpaced(items, null));
        Assert.Equal(items, ExperimentData.EvenlySpaced(items, 1000));
    }
}

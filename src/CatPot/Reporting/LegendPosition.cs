namespace CatPot.Reporting;

/// <summary>Corner of the plot area that holds the legend.</summary>
public enum LegendPosition
{
    /// <summary>Upper left.</summary>
    TopLeft,

    /// <summary>Upper right.</summary>
    TopRight,

    /// <summary>Lower right.</summary>
    BottomRight,

    /// <summary>No legend.</summary>
    None,
}

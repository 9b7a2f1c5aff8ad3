package io.orderflow.launcher.demo;

import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The demos' pictures: time series as PNG (XChart, headless), with a title that says what to see. */
final class Charts {

    /** One line: its name (with unit), x in seconds, y values, and whether it uses the right-hand axis. */
    record Line(String name, List<Double> x, List<Double> y, boolean rightAxis) {
    }

    private Charts() {
    }

    /** Writes {@code file} (a .png) and returns its path. */
    static Path timeSeries(Path file, String title, String xTitle, String leftTitle, String rightTitle, List<Line> lines)
            throws Exception {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(leftTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(15f));
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setMarkerSize(3);
        if (rightTitle != null) {
            chart.setYAxisGroupTitle(1, rightTitle);
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        for (Line line : lines) {
            XYSeries s = chart.addSeries(line.name(), line.x(), line.y());
            s.setMarker(SeriesMarkers.NONE);
            if (line.rightAxis()) {
                s.setYAxisGroup(1);
            }
        }
        String name = file.toString().replaceAll("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
        return Path.of(name + ".png");
    }
}
